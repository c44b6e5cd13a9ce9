/**
 * The TLS checks nginx makes after reading, when it merges each server's
 * settings with the http block's (src/http/modules/ngx_http_ssl_module.c):
 * ngx_http_ssl_init: every server on an address some `listen … ssl` names
 * needs a certificate (its own or the http block's) unless
 * `ssl_reject_handshake on`, reported on the server's `{` line;
 * ngx_http_ssl_merge_srv_conf: each certificate and key file must load
 * (nginx's words, without a line: "cannot load certificate …"). The file test
 * is ours: existence and readability, not whether OpenSSL can parse it.
 */
import type { NginxFileSource } from './source.js';
import { cString } from './words.js';
import type { NginxDirective, NginxIssue } from './types.js';

export interface TlsBlock {
  certificates: NginxDirective[];
  keys: NginxDirective[];
  reject?: boolean;
}

export interface TlsServer extends TlsBlock {
  file: string;
  /** Line of the server's `{` (ngx_http_core_server's cscf->line). */
  line: number;
  includedFrom: string[];
  http: TlsBlock;
}

/** A path nginx reads as a file: not a variable, not "data:" (1.15.10) or "engine:" (keys). */
function plainPath(v: string): boolean {
  return !v.includes('$') && !v.startsWith('data:') && !v.startsWith('engine:');
}

/** Certificates and the reject flag of a server, with the http block's when it has none (the merge). */
function effective(s: TlsServer): { certs: NginxDirective[]; keys: NginxDirective[]; reject: boolean } {
  return {
    certs: s.certificates.length > 0 ? s.certificates : s.http.certificates,
    keys: s.keys.length > 0 ? s.keys : s.http.keys,
    reject: s.reject ?? s.http.reject ?? false,
  };
}

function noCertificate(s: TlsServer): NginxIssue {
  return {
    severity: 'emerg',
    message: 'no "ssl_certificate" is defined for the "listen ... ssl" directive',
    file: s.file,
    line: s.line,
    includedFrom: s.includedFrom,
  };
}

/**
 * ngx_http_ssl_init, per address with `ssl`: a default server with a
 * certificate settles it; one without must say ssl_reject_handshake, and then
 * every other server of the address needs a certificate or the same.
 */
export function tlsIssues(
  servers: readonly TlsServer[],
  sslAddresses: readonly { defaultServer: TlsServer | undefined; servers: (TlsServer | undefined)[] }[],
  source: NginxFileSource,
  confPrefix: string,
): NginxIssue[] {
  const out: NginxIssue[] = [];
  for (const a of sslAddresses) {
    const def = a.defaultServer;
    if (!def) continue;
    const e = effective(def);
    if (e.certs.length > 0) continue;
    if (!e.reject) {
      out.push(noCertificate(def));
      continue;
    }
    for (const s of a.servers) {
      if (!s) continue;
      const se = effective(s);
      if (se.certs.length > 0 || se.reject) continue;
      out.push(noCertificate(s));
    }
  }
  const checked = new Set<NginxDirective>();
  for (const s of servers) {
    const e = effective(s);
    for (const [list, what] of [
      [e.certs, 'certificate'],
      [e.keys, 'certificate key'],
    ] as const) {
      for (const d of list) {
        if (checked.has(d)) continue;
        checked.add(d);
        const v = cString(d.args[0] ?? '');
        if (!plainPath(v)) continue;
        // ngx_ssl_certificate: ngx_conf_full_name(cycle, cert, 1), relative to the configuration prefix.
        const file = v.startsWith('/') ? v : confPrefix + v;
        const st = source.stat(file);
        if (st.kind === 'file') continue;
        if (st.code === 'EACCES') {
          // /etc/ssl/private is 0710 root:ssl-cert: only root (as nginx) may look in it.
          out.push({
            severity: 'warn',
            message: `cannot check ${what} "${file}": permission denied (nginx reads it as root)`,
            file: d.file,
            line: d.line,
            includedFrom: d.includedFrom,
          });
          continue;
        }
        const why = st.kind === 'missing' ? `cannot be opened (${st.code ?? 'ENOENT'})` : 'is not a regular file';
        out.push({
          severity: 'emerg',
          message: `cannot load ${what} "${file}": the file ${why}`,
          file: d.file,
          line: d.line,
          includedFrom: d.includedFrom,
        });
      }
    }
  }
  return out;
}
