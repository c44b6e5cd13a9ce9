/**
 * `check --http`: ask the web server itself, as a visitor would, for each URL
 * the check traced (the scripts discovery found in each site), and hold the
 * answer against the route the model predicted. It catches what no probe of
 * the backend can: a handler with nothing behind it makes Apache serve the
 * script's source with status 200 and no log line (verified on 2.4.71), and
 * a running Apache that does not run the configuration on disk answers
 * otherwise than its files say.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigModel } from '../config/index.js';
import type { Discovery } from '../discovery/discover.js';
import type { SetupRequestResult } from '../request/setupRequest.js';
import { compareAnswer, where, type CompareContext } from './compare.js';
import { httpGet, type WebAnswer, type WebGet } from './webGet.js';
import { webTargets } from './webTargets.js';

export { httpGet, type SetupUrl, type WebAnswer, type WebGet } from './webGet.js';
export { compareAnswer, isApacheErrorPage, looksLikeSource } from './compare.js';

export interface WebProbeResult {
  findings: Finding[];
  notices: string[];
}

export interface WebRequestOptions extends CompareContext {
  /** Per request. */
  timeoutMs: number;
  exists: (path: string) => boolean;
  get?: WebGet;
  /** The scripts the check traced: their URLs are asked, and their routes are the prediction. */
  discovery?: Discovery;
  /** The request step's direct requests to the backends (for the same URL, they tell where a 5xx comes from). */
  requests?: readonly SetupRequestResult[];
  maxUrls?: number;
}

export async function webRequests(model: ConfigModel, opts: WebRequestOptions): Promise<WebProbeResult> {
  const get = opts.get ?? httpGet;
  const findings: Finding[] = [];
  const { targets, notices } = webTargets(model, opts);
  // An address that failed once (refused, timed out) is not asked again: 20 timeouts would hold the report up.
  const failed = new Map<string, number>();
  for (const t of targets) {
    const address = `${t.url.host}:${t.url.port}`;
    const skipped = failed.get(address);
    if (skipped !== undefined) {
      failed.set(address, skipped + 1);
      continue;
    }
    let answer: WebAnswer;
    try {
      answer = await get(t.url, opts.timeoutMs);
    } catch (err) {
      notices.push(`--http: ${where(t.url)}: ${(err as Error).message}`);
      failed.set(address, 0);
      continue;
    }
    findings.push(...compareAnswer(t, answer, opts));
  }
  for (const [address, n] of failed)
    if (n > 0) notices.push(`--http: ${n} more URL${n === 1 ? '' : 's'} at ${address} not asked after that failure.`);
  return { findings, notices };
}
