import type { FcgiClientError } from '../../client/errors.js';
import { formatTarget, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import { escapeBytes, recogniseForeignProtocol, type ForeignProtocol } from '../../protocol/foreignProtocol.js';
import type { ScriptAccessSystem } from './scriptAccess.js';

/**
 * `backend-protocol-error` when the backend's first bytes belong to another
 * protocol: which one, and the fix for it. The recognition is
 * protocol/foreignProtocol.ts; this module only words the advice.
 */

function fixFor(p: ForeignProtocol, where: string, target: Target): string {
  const port = target.kind === 'tcp' ? target.port : undefined;
  const usual = port !== undefined ? WELL_KNOWN_PORTS[port] : undefined;
  const otherService = `${where} is another service (${p.speaker}), not the FastCGI backend: most often a wrong port (9000 for 9001) or host${usual ? `; port ${port} is ${usual}'s usual port` : ''}. Find the FastCGI server's real address (ss -tlnp; PHP-FPM: listen = in the pool file) and correct the proxy's address to it.`;
  switch (p.protocol) {
    case 'http':
      return (
        `The backend speaks HTTP (a web server or an application server such as gunicorn, node, php -S, another Apache or nginx). ` +
        `Either proxy to it over HTTP — Apache: ProxyPass /app/ ${target.kind === 'unix' ? `unix:${target.path}|http://localhost/` : `http://${hostPort(target)}/`} (mod_proxy_http) instead of fcgi://; nginx: proxy_pass http://… instead of fastcgi_pass — ` +
        `or start it as a FastCGI server and keep fcgi://.`
      );
    case 'tls':
      return (
        `The backend expects TLS before anything else; FastCGI has no TLS, and mod_proxy_fcgi, mod_fastcgi and nginx's fastcgi_pass never speak it. ` +
        `If it is an HTTPS server, proxy to it with https:// (Apache: SSLProxyEngine on, ProxyPass … https://${hostPort(target)}/; nginx: proxy_pass https://…); ` +
        `if a FastCGI server was meant, the address is wrong${port === 443 || port === 8443 ? ` (port ${port} is the usual HTTPS port)` : ''}. To protect FastCGI between hosts, use a private network, a Unix socket, or a tunnel (stunnel, WireGuard).`
      );
    case 'ssh':
    case 'smtp':
    case 'ftp':
    case 'banner-220':
    case 'redis':
    case 'mysql':
    case 'postgresql':
      return otherService;
  }
}

/** The services whose port people mistype for a FastCGI backend's. */
const WELL_KNOWN_PORTS: Record<number, string> = {
  21: 'FTP',
  22: 'SSH',
  25: 'SMTP',
  587: 'SMTP submission',
  3306: 'MySQL',
  5432: 'PostgreSQL',
  6379: 'Redis',
};

function hostPort(target: Target): string {
  return target.kind === 'tcp'
    ? target.host.includes(':')
      ? `[${target.host}]:${target.port}`
      : `${target.host}:${target.port}`
    : 'HOST:PORT';
}

/** The finding for an error whose first bytes are another protocol's, or undefined when they are not recognised. */
export function foreignProtocolFinding(target: Target, err: FcgiClientError): Finding | undefined {
  const received = err.details.received;
  if (!received?.length) return undefined;
  const p = recogniseForeignProtocol(received);
  if (!p) return undefined;
  return foreignFinding(target, err, p, `first bytes received: ${escapeBytes(received)}`);
}

function foreignFinding(target: Target, err: FcgiClientError, p: ForeignProtocol, seen: string): Finding {
  const where = formatTarget(target);
  return {
    id: 'backend-protocol-error',
    severity: 'error',
    title: `The backend speaks another protocol: ${p.speaker}, not FastCGI`,
    message: `${where} answered with ${p.sign}: it is ${p.speaker}, not a FastCGI server (${err.message}).`,
    evidence: [
      { kind: 'request', text: `${where}: ${seen}` },
      { kind: 'request', text: `${where}: ${err.message}` },
    ],
    fix: fixFor(p, where, target),
  };
}

/**
 * A FastCGI BEGIN_REQUEST on a uWSGI socket in its native protocol
 * (`--socket`, `socket =`) is read as a uwsgi packet header with modifier1 = 1,
 * which no plugin serves: uWSGI's core/uwsgi.c:unconfigured_hook logs
 * "-- unavailable modifier requested: 1 --" and the request ends with no byte
 * sent back (tried on uWSGI 2.0 with the python3 plugin: the connection
 * closes within milliseconds, empty). A crashed FastCGI worker closes the same
 * way, so this is a likely cause to name, not a certainty.
 */
export function silentCloseCause(err: FcgiClientError): string | undefined {
  if (err.code !== 'closed-early' || err.details.received === undefined || err.details.received.length > 0)
    return undefined;
  return (
    'If this is uWSGI, its socket speaks uWSGI\'s own protocol (--socket / socket =): it closes at once on FastCGI bytes and logs "-- unavailable modifier requested: 1 --". ' +
    'Use --fastcgi-socket (fastcgi-socket =) for a FastCGI client, or keep the uwsgi socket and proxy with its protocol: Apache ProxyPass … uwsgi://HOST:PORT/ (mod_proxy_uwsgi), nginx uwsgi_pass'
  );
}

/**
 * The finding for a failed request, made precise after a silent close by
 * looking at who listens at the target (uwsgiNative.ts). /proc is read only
 * then: `system` when the caller has one, else the live machine.
 */
export async function refineSilentClose(
  finding: Finding,
  err: FcgiClientError,
  target: Target,
  system?: ScriptAccessSystem,
): Promise<Finding> {
  if (!silentCloseCause(err)) return finding;
  const [{ explainSilentClose }, probes] = await Promise.all([
    import('./uwsgiNative.js'),
    system ?? import('../../system/index.js').then((m) => m.liveSystem()),
  ]);
  const explained = explainSilentClose(finding, err, probes, target);
  if (explained !== finding || target.kind !== 'tcp') return explained;
  // PostgreSQL closes on FastCGI bytes without a byte: its SSLRequest, answered before any login, tells it.
  const { probePostgres } = await import('../../client/postgresProbe.js');
  const pg = await probePostgres(target, PROBE_MS);
  if (pg) {
    const sign = `silence to FastCGI, then ${pg} to a PostgreSQL SSLRequest`;
    const seen = `a PostgreSQL SSLRequest on a new connection was answered ${pg} (${pg === 'S' ? 'TLS offered' : 'no TLS'})`;
    return foreignFinding(target, err, { protocol: 'postgresql', speaker: 'a PostgreSQL server', sign }, seen);
  }
  // OpenSSL 3 and node close on FastCGI bytes without an alert: only a handshake of our own tells TLS.
  const { probeTls } = await import('../../client/tlsProbe.js');
  const tls = await probeTls(target, PROBE_MS);
  if (!tls) return finding;
  const handshake = `${tls.version}${tls.subject ? `, a certificate for ${tls.subject}` : ''}`;
  const sign = `silence to FastCGI, then a TLS handshake to a TLS ClientHello (${handshake})`;
  const seen = `a TLS ClientHello on a new connection was answered with a handshake (${handshake})`;
  return foreignFinding(target, err, { protocol: 'tls', speaker: 'a TLS server', sign }, seen);
}

/** How long each probe after a silent close may take (PostgreSQL's SSLRequest, a TLS handshake): a local server answers in milliseconds. */
const PROBE_MS = 2_000;
