/**
 * `check --http` for nginx: each real script discovery found under a server's
 * root is asked of nginx itself, at the server's listen address and port with
 * its name as Host, as a visitor would. A body that is the script's source
 * (`<?php`, `#!`) is source-served-as-text: nginx sent the file instead of
 * passing it to FastCGI (no PHP location matches it, or a location before it
 * serves it). Other differences from the trace are not compared yet.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigModel } from '../config/index.js';
import type { Discovery } from '../discovery/discover.js';
import { looksLikeSource } from '../http/compare.js';
import type { SetupUrl, WebGet } from '../http/webGet.js';

/** Each a real request to a production site, bounded by the timeout. */
export const MAX_NGINX_WEB_URLS = 20;

export async function nginxWebRequests(
  model: ConfigModel,
  traced: { discovery?: Discovery },
  opts: { get: WebGet; timeoutMs: number },
): Promise<{ findings: Finding[]; notices: string[] }> {
  const findings: Finding[] = [];
  const notices: string[] = [];
  const scripts = (traced.discovery?.scripts ?? []).slice(0, MAX_NGINX_WEB_URLS);
  for (const d of scripts) {
    const u = new URL(d.url);
    const vhost = model.vhosts.find((v) => v.file === d.site.vhost?.file && v.line === d.site.vhost?.line);
    const listen = vhost?.addresses.find((a) => a.endsWith(`:${d.site.port}`) && !a.startsWith('unix:'));
    const ip = listen?.slice(0, listen.lastIndexOf(':')).replace(/^\[|\]$/g, '');
    const url: SetupUrl = {
      host: !ip || ip === '*' || ip === '0.0.0.0' || ip === '::' ? '127.0.0.1' : ip,
      port: d.site.port,
      path: `${u.pathname}${u.search}`,
      hostHeader: u.host,
      scheme: d.site.scheme,
    };
    let answer: Awaited<ReturnType<WebGet>>;
    try {
      answer = await opts.get(url, opts.timeoutMs);
    } catch (e) {
      notices.push(`--http: ${d.url} could not be asked of nginx (${e instanceof Error ? e.message : String(e)}).`);
      continue;
    }
    const source = looksLikeSource(answer.head);
    if (!source) continue;
    const fastcgi = d.route?.outcome === 'fastcgi';
    findings.push({
      id: 'source-served-as-text',
      severity: 'error',
      title: "The web server sends the script's source code instead of running it",
      message: `Asked for ${url.path} (Host ${url.hostHeader}) at ${url.host}:${url.port}, nginx answered ${answer.status} with ${source}: ${d.file} is sent as a file, never run, and every visitor can read its code (and any password in it).${fastcgi ? ' The configuration on disk passes this URL to FastCGI, so the running nginx does not run it (reload nginx).' : ''}`,
      ...(d.setup ? { location: { file: d.setup.definedAt.file, line: d.setup.definedAt.line } } : {}),
      evidence: [
        {
          kind: 'request',
          text: `GET ${url.path} Host ${url.hostHeader} at ${url.host}:${url.port}: status ${answer.status}${answer.contentType ? ` (Content-Type ${answer.contentType})` : ''}`,
        },
        { kind: 'request', text: `body starts: ${answer.head.slice(0, 80)}` },
        ...(d.route?.steps ?? [])
          .filter((s) => s.file && s.line !== undefined)
          .slice(-3)
          .map((s) => ({ kind: 'config' as const, text: `${s.file}:${s.line}: ${s.what}: ${s.text}` })),
      ],
      fix: fastcgi
        ? 'Reload nginx (nginx -t && systemctl reload nginx) so it runs the configuration on disk, then ask again.'
        : 'Pass .php files to PHP-FPM in this server: location ~ \\.php$ { include snippets/fastcgi-php.conf; fastcgi_pass unix:/run/php/php-fpm.sock; } (before any location that serves them as files), then nginx -t and reload nginx.',
      ...(d.setup ? { setup: d.setup.id } : {}),
    });
  }
  return { findings, notices };
}
