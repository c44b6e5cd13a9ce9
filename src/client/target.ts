/**
 * Where a FastCGI backend listens, parsed from the forms people write:
 * `/run/php/php8.2-fpm.sock`, `unix:/path`, `unix:/path|fcgi://localhost`
 * (Apache's SetHandler form), `127.0.0.1:9000`, `[::1]:9000`, `tcp://host:port`,
 * `fcgi://host:port` (Apache's ProxyPass form; without a port Apache uses 8000).
 */
export type Target = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export class TargetError extends Error {
  override name = 'TargetError';
}

/** Apache's mod_proxy_fcgi default port when an fcgi:// URL names none. */
export const FCGI_URL_DEFAULT_PORT = 8000;

function parsePort(text: string, original: string): number {
  if (!/^\d{1,5}$/.test(text)) throw new TargetError(`bad port "${text}" in target "${original}"`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new TargetError(`port ${port} out of range in target "${original}"`);
  return port;
}

function parseHostPort(text: string, original: string, defaultPort?: number): Target {
  let host: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else {
    const colon = text.lastIndexOf(':');
    if (colon === -1) {
      host = text;
    } else if (text.indexOf(':') !== colon) {
      throw new TargetError(`IPv6 address in "${original}" must be written in brackets: [::1]:9000`);
    } else {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
  }
  if (!host) throw new TargetError(`no host in target "${original}"`);
  if (portText === undefined || portText === '') {
    if (defaultPort === undefined) throw new TargetError(`no port in target "${original}" (write host:port)`);
    return { kind: 'tcp', host, port: defaultPort };
  }
  return { kind: 'tcp', host, port: parsePort(portText, original) };
}

export function parseTarget(input: string): Target {
  const text = input.trim();
  if (!text) throw new TargetError('empty target');
  if (/[\u0000-\u001f]/.test(text)) throw new TargetError('target contains control characters');
  const lower = text.toLowerCase();
  if (lower.startsWith('unix:')) {
    // Apache: "unix:/path/to.sock|fcgi://localhost/" — the part after | names the worker, not the socket.
    let path = text.slice(5).split('|')[0]!;
    if (path.startsWith('//')) path = path.slice(2);
    if (!path.startsWith('/')) throw new TargetError(`socket path in "${input}" must be absolute (unix:/path/to.sock)`);
    return { kind: 'unix', path };
  }
  if (text.startsWith('/') || text.startsWith('./') || text.startsWith('../')) return { kind: 'unix', path: text };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(text);
  if (scheme) {
    const name = scheme[1]!.toLowerCase();
    const rest = scheme[2]!.replace(/\/.*$/, '');
    if (name === 'fcgi') return parseHostPort(rest, input, FCGI_URL_DEFAULT_PORT);
    if (name === 'tcp') return parseHostPort(rest, input);
    throw new TargetError(`unsupported scheme "${name}://" in "${input}" (use unix:, tcp:// or fcgi://)`);
  }
  return parseHostPort(text, input);
}

export function formatTarget(target: Target): string {
  if (target.kind === 'unix') return target.path;
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}
