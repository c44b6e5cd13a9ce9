/**
 * The Host header of a request and the server name and port httpd derives
 * from it: SERVER_NAME / SERVER_PORT, mod_rewrite's %{SERVER_PORT}, the
 * Location of a redirect (ap_construct_url, mod_rewrite fully_qualify_uri).
 *
 * httpd never uses the port the connection arrived on for these (unless
 * UseCanonicalPhysicalPort On): vhost.c fix_hostname keeps the Host header's
 * port in r->parsed_uri, and core.c ap_get_server_port takes that, else the
 * server_rec's port, else the scheme's default.
 */
import { mainServerValue, serverSetting, vhostValue, type Directive } from '../../apache/index.js';
import type { RouteRequest } from '../types.js';

export function defaultPortOf(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

/**
 * The Host header as the client sends it: `headers.host` as given when the
 * caller set one, else host[:port] with the scheme's default port left out
 * (what browsers and curl write for a URL); undefined when there is no host.
 */
export function hostHeaderOf(req: RouteRequest): string | undefined {
  const given = Object.entries(req.headers).find(([k]) => k.toLowerCase() === 'host');
  if (given) return given[1];
  if (req.host === '') return undefined;
  return req.port === defaultPortOf(req.scheme) ? req.host : `${req.host}:${req.port}`;
}

/** The port the Host header names (vhost.c fix_hostname → r->parsed_uri.port), undefined when it names none. */
export function hostHeaderPort(req: RouteRequest): number | undefined {
  const h = hostHeaderOf(req);
  if (h === undefined) return undefined;
  const m = /:(\d{1,5})$/.exec(h.trim());
  if (!m || (h.includes(']') && h.lastIndexOf(']') > h.lastIndexOf(':'))) return undefined;
  const port = Number(m[1]);
  return port > 0 && port < 65536 ? port : undefined;
}

/** The port a ServerName names ("name:8443", "https://name:8443"), 0 for none (core.c server_hostname_port). */
function serverNamePort(d: Directive): number {
  const arg = (d.args[0] ?? '').replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const m = /:(\d+)$/.exec(arg.replace(/^\[[^\]]*\]/, ''));
  return m ? Number(m[1]) : 0;
}

/**
 * server_rec->port: the main server's is its ServerName's port (0 for none).
 * A vhost starts from the main server's (config.c ap_init_virtual_host), the
 * first <VirtualHost> address's port replaces it (vhost.c
 * ap_parse_vhost_addrs), and a ServerName of its own sets it again, to 0
 * when that ServerName has no port (core.c server_hostname_port).
 */
export function serverRecPort(tree: readonly Directive[], vhost: Directive | undefined): number {
  const main = mainServerValue(tree, 'servername');
  const mainPort = main ? serverNamePort(main) : 0;
  if (!vhost) return mainPort;
  const own = vhostValue(vhost, 'servername');
  if (own) return serverNamePort(own);
  const first = vhost.args[0] ?? '';
  const m = /:(\d+)$/.exec(first);
  const addrPort = m ? Number(m[1]) : 0;
  return addrPort || mainPort;
}

function useCanonicalName(tree: readonly Directive[], vhost: Directive | undefined): string {
  return (serverSetting(tree, vhost, 'usecanonicalname')?.args[0] ?? 'off').toLowerCase();
}

/** core.c ap_get_server_port (UseCanonicalName and UseCanonicalPhysicalPort as the server sets them). */
export function serverPortOf(tree: readonly Directive[], vhost: Directive | undefined, req: RouteRequest): number {
  const ucn = useCanonicalName(tree, vhost);
  const phys = (serverSetting(tree, vhost, 'usecanonicalphysicalport')?.args[0] ?? 'off').toLowerCase() === 'on';
  const sPort = serverRecPort(tree, vhost);
  const dflt = defaultPortOf(req.scheme);
  if (ucn === 'on') return sPort || (phys ? req.port : 0) || dflt;
  return hostHeaderPort(req) ?? ((phys ? req.port : 0) || sPort || dflt);
}

/** core.c ap_get_server_name: UseCanonicalName Off uses the Host header's name, else (or without one) ServerName. */
export function serverNameOf(tree: readonly Directive[], vhost: Directive | undefined, req: RouteRequest): string {
  const sn = serverSetting(tree, vhost, 'servername')
    ?.args[0]?.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/:\d+$/, '');
  if (useCanonicalName(tree, vhost) === 'on' || req.host === '') return sn ?? req.host;
  return req.host;
}
