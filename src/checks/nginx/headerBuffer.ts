/**
 * upstream-header-too-big from a real answer: nginx reads the backend's
 * response header into one buffer of fastcgi_buffer_size (default one memory
 * page, 4k on x86_64: ngx_http_fastcgi_create_loc_conf/merge, ngx_pagesize);
 * when the FastCGI records up to the end of the header block do not fit,
 * ngx_http_upstream_process_header logs "upstream sent too big header while
 * reading response header from upstream" and the visitor gets a 502. The
 * request step's answer (the params nginx sends, for a real script) gives the
 * size: the header block plus the 8-byte record header carrying it.
 */
import type { Finding } from '../../findings/finding.js';
import { finding } from '../config/make.js';
import type { SetupRequestResult } from '../request/setupRequest.js';
import type { NginxAnalysis } from './analyze.js';
import { directiveText, passLevels, settingIn, ownStatementUp } from './levels.js';

const DEFAULT_BUFFER = 4096;
const RECORD_HEADER = 8;

/** An nginx size ("4k", "16K", "1m", "512"): ngx_parse_size. */
export function nginxSize(text: string): number | undefined {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? '').toLowerCase();
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 * 1024 : unit === 'g' ? 1024 ** 3 : 1);
}

/** Bytes of the CGI header block at the start of stdout, up to and with the blank line; undefined when it never ends. */
export function headerBlockBytes(stdout: Buffer): number | undefined {
  const crlf = stdout.indexOf('\r\n\r\n');
  const lf = stdout.indexOf('\n\n');
  const ends = [crlf >= 0 ? crlf + 4 : -1, lf >= 0 ? lf + 2 : -1].filter((n) => n >= 0);
  return ends.length > 0 ? Math.min(...ends) : undefined;
}

export function headerBufferFindings(a: NginxAnalysis, requests: readonly SetupRequestResult[]): Finding[] {
  const out: Finding[] = [];
  const levels = passLevels(a.routing, a.setups);
  for (const r of requests) {
    const p = levels.find((x) => x.setup?.id === r.setup.id);
    const stdout = r.response?.raw.stdout;
    if (!p || !stdout) continue;
    const block = headerBlockBytes(stdout);
    if (block === undefined) continue;
    const set = settingIn(a.routing, p.level, 'fastcgi_buffer_size');
    const d = set ? ownStatementUp(p.level, set) : undefined;
    const size = set ? nginxSize(set.args[0] ?? '') : DEFAULT_BUFFER;
    if (size === undefined || block + RECORD_HEADER <= size) continue;
    const what = d
      ? `fastcgi_buffer_size ${d.args[0]} (${d.file}:${d.line})`
      : "nginx's default fastcgi_buffer_size 4k";
    const f = finding({
      id: 'upstream-header-too-big',
      severity: 'error',
      title: "The application's response headers are larger than nginx's buffer",
      message: `${r.url ?? r.script} answers with ${block} bytes of headers (${r.response?.headers.length ?? 0} header lines), more than ${what} holds: nginx logs "upstream sent too big header while reading response header from upstream" and answers 502 Bad Gateway for it.`,
      at: d ?? p.pass,
      evidence: [
        ...(d ? [directiveText(d)] : []),
        directiveText(p.pass),
        `request: ${r.url ?? r.script} → ${r.response?.status ?? '?'}, header block ${block} bytes`,
      ],
      fix: `Raise the buffer above the largest header block the application sends (fastcgi_buffer_size ${Math.ceil((block + RECORD_HEADER) / 4096) * 4 + 4}k; and fastcgi_buffers 16 16k; in this location), or make the application send fewer or smaller headers (cookies, debug headers); then nginx -t and reload nginx.`,
    });
    f.setup = r.setup.id;
    out.push(f);
  }
  return out;
}
