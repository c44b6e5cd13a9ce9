import type { ListenAddress } from './types.js';

/**
 * `listen` as FPM reads it (sapi/fpm/fpm/fpm_sockets.c: fpm_sockets_domain_from_address,
 * fpm_socket_af_inet_listening_socket): a value with ':' whose tail is a port is TCP
 * (`127.0.0.1:9000`, `[::]:9000`, `localhost:9000`); digits alone are a port on every
 * interface; anything else is a Unix socket path.
 */
export function parseListenAddress(value: string): ListenAddress | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) return { kind: 'tcp', host: '', port: Number(v), ipv6: false };
  const v6 = /^\[([^\]]*)\]:(\d+)$/.exec(v);
  if (v6?.[1] !== undefined && v6[2] !== undefined)
    return { kind: 'tcp', host: v6[1], port: Number(v6[2]), ipv6: true };
  const colon = v.lastIndexOf(':');
  if (colon > 0 && !v.includes('/') && /^\d+$/.test(v.slice(colon + 1))) {
    return { kind: 'tcp', host: v.slice(0, colon), port: Number(v.slice(colon + 1)), ipv6: false };
  }
  return { kind: 'unix', path: v };
}

/** The address as one string, for comparing pools with each other and with a web server's target. */
export function listenKey(a: ListenAddress): string {
  return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.ipv6 ? `[${a.host}]` : a.host || '*'}:${a.port}`;
}
