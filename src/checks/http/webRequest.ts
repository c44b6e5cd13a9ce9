import http from 'node:http';
import type { ConfigModel } from '../config/index.js';
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/types.js';
import { urlForSetup, type SetupUrl } from './setupUrl.js';

/**
 * `check --http`: ask the web server itself, as a visitor would, for a URL
 * that maps to each setup. It catches what no probe of the backend can: a
 * handler with nothing behind it makes Apache serve the script's source with
 * status 200 and no log line (verified on 2.4.71).
 */
export interface WebAnswer {
  status: number;
  /** the first bytes of the body */
  head: string;
}

export type WebGet = (url: SetupUrl, timeoutMs: number) => Promise<WebAnswer>;

const HEAD_BYTES = 4096;

export const httpGet: WebGet = (url, timeoutMs) =>
  new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: url.host,
        port: url.port,
        path: url.path,
        headers: { Host: url.hostHeader, 'User-Agent': 'fcgi-doctor' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          size += c.length;
          // Enough to tell source from output; never read an endless body.
          if (size >= HEAD_BYTES) res.destroy();
        });
        const done = () =>
          resolve({
            status: res.statusCode ?? 0,
            head: Buffer.concat(chunks).subarray(0, HEAD_BYTES).toString('utf8'),
          });
        res.on('end', done);
        res.on('close', done);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });

/** Source code, not its output: what an unhandled script looks like. */
export function looksLikeSource(head: string): string | undefined {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('<?php') || start.startsWith('<?=')) return 'PHP source (<?php)';
  if (start.startsWith('#!')) return `a script with its interpreter line (${start.split('\n')[0]?.slice(0, 60) ?? ''})`;
  return undefined;
}

function where(u: SetupUrl): string {
  return `http://${u.hostHeader}${u.port === 80 ? '' : `:${u.port}`}${u.path} (sent to ${u.host}:${u.port})`;
}

export interface WebProbeResult {
  findings: Finding[];
  notices: string[];
}

export async function webRequests(
  model: ConfigModel,
  opts: { timeoutMs: number; exists: (path: string) => boolean; get?: WebGet },
): Promise<WebProbeResult> {
  const get = opts.get ?? httpGet;
  const findings: Finding[] = [];
  const notices: string[] = [];
  const asked = new Set<string>();
  for (const setup of model.setups) {
    if (!setup.active) continue;
    const url = urlForSetup(model, setup, opts.exists);
    if (!url) {
      notices.push(
        `--http: no URL is known to reach ${setup.directive} (${setup.definedAt.file}:${setup.definedAt.line}); nothing asked`,
      );
      continue;
    }
    const key = `${url.host}:${url.port}${url.path}\u0000${url.hostHeader}`;
    if (asked.has(key)) continue;
    asked.add(key);
    let answer: WebAnswer;
    try {
      answer = await get(url, opts.timeoutMs);
    } catch (err) {
      notices.push(`--http: ${where(url)}: ${(err as Error).message}`);
      continue;
    }
    findings.push(...judge(setup, url, answer));
  }
  return { findings, notices };
}

export function judge(setup: FastcgiSetup, url: SetupUrl, answer: WebAnswer): Finding[] {
  const location = {
    file: setup.definedAt.file,
    line: setup.definedAt.line,
    includedFrom: setup.definedAt.includedFrom,
  };
  const evidence = [{ kind: 'request' as const, text: `GET ${where(url)}: status ${answer.status}` }];
  const source = answer.status < 400 ? looksLikeSource(answer.head) : undefined;
  if (source) {
    return [
      {
        id: 'source-served-as-text',
        severity: 'error',
        title: "The web server sends the script's source code instead of running it",
        message: `Asked for ${url.path}, the web server answered ${answer.status} with ${source}: the request never reached FastCGI, and every visitor can read the code (and any password in it).`,
        location,
        evidence: [...evidence, { kind: 'request', text: `body starts: ${answer.head.slice(0, 80)}` }],
        fix: 'Load the module behind the handler (a2enmod proxy_fcgi, a2enmod fcgid), make the SetHandler target a valid "proxy:unix:/path.sock|fcgi://localhost" URL, then reload Apache and ask again.',
        setup: setup.id,
      },
    ];
  }
  if (answer.status >= 500) {
    return [
      {
        id: 'backend-error-status',
        severity: 'error',
        title: `The web server answers ${answer.status} for this FastCGI setup`,
        message: `Asked for ${url.path} as a visitor would, the web server answered ${answer.status}: the request fails on its way to the backend or in it. The other findings for this setup, and the error log, say where.`,
        location,
        evidence,
        fix: "Read the web server's error log for this request; fcgi-doctor logs lists the known causes.",
        setup: setup.id,
      },
    ];
  }
  return [];
}
