/**
 * TCP backends: who listens on the configured host:port (/proc/net/tcp and
 * tcp6, socket inode → process). backend-unreachable when nobody does;
 * backend-exposed when the listener is bound to every address (or another
 * non-loopback one) while Apache reaches it on loopback — the classic mod_fastcgi guide's warning:
 * anything but 127.0.0.1 makes the app "available to the entire network".
 * A remote host is only connected to, never scanned.
 */
import type { Finding } from '../../findings/finding.js';
import type { FpmPool, TcpListener } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { fpmServiceOf, poolText } from './evidence.js';
import { endpointGroups, type EndpointGroup } from './facts.js';
import { listenAt, poolsListeningOn } from './fpmSide.js';
import { holdersOf } from './holders.js';
import { probeFinding } from './make.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

export function isLoopback(host: string): boolean {
  return (
    host === 'localhost' ||
    host === '::1' ||
    /^127\./.test(host) ||
    host === '::ffff:127.0.0.1' ||
    host === 'ip6-localhost'
  );
}

export function isLocal(ctx: ProbeContext, host: string): boolean {
  return (
    isLoopback(host) || ctx.system.network.localAddresses().includes(host) || host === ctx.system.network.hostname()
  );
}

/** Listeners a connect to host:port would reach. */
function reaching(listeners: readonly TcpListener[], host: string, port: number): TcpListener[] {
  const targets = host === 'localhost' ? ['127.0.0.1', '::1'] : [host];
  return listeners.filter((l) => {
    if (l.port !== port) return false;
    if (l.address === '0.0.0.0') return targets.some((t) => !t.includes(':'));
    if (l.address === '::') return true; // dual-stack unless IPV6_V6ONLY; /proc does not tell, and Linux defaults to dual
    const addr = l.address.replace(/^::ffff:/, '');
    return targets.includes(addr);
  });
}

/** Two ports one slip apart: a digit changed, added, dropped or two swapped (9000/9001, 9000/900, 9080/9800). */
function portTypo(a: number, b: number): boolean {
  const x = String(a);
  const y = String(b);
  if (x === y) return false;
  if (x.length === y.length) {
    const diff = [...x].flatMap((c, i) => (c === y[i] ? [] : [i]));
    if (diff.length === 1) return true;
    const [i, j] = diff;
    return diff.length === 2 && i !== undefined && j === i + 1 && x[i] === y[j] && x[j] === y[i];
  }
  const [short, long] = x.length < y.length ? [x, y] : [y, x];
  if (long.length - short.length !== 1) return false;
  for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return true;
  return false;
}

/** The PHP-FPM pool that listens one typo away from host:port on this machine (reachable at that host), if exactly one does. */
function nearestTcpPool(ctx: ProbeContext, host: string, port: number): { pool: FpmPool; port: number } | undefined {
  const found = ctx.facts.fpm.pools.flatMap((pool) => {
    const e = pool.endpoint;
    if (e?.kind !== 'tcp' || !portTypo(e.port, port)) return [];
    const reaches = poolsListeningOn(ctx, { kind: 'tcp', host, port: e.port }).includes(pool);
    return reaches ? [{ pool, port: e.port }] : [];
  });
  return found.length === 1 ? found[0] : undefined;
}

function unreachable(
  ctx: ProbeContext,
  g: EndpointGroup,
  host: string,
  port: number,
  remote: boolean,
  onPort: TcpListener[],
): Finding {
  const conn = ctx.connects.get(g.key);
  const probe: string[] = [];
  if (conn && !conn.ok) probe.push(`connect(${host}:${port}): ${conn.code}`);
  let message = `${ctx.facts.serverName} connects to ${host}:${port}, but `;
  if (remote)
    message += `the connection fails (${conn && !conn.ok ? conn.code : 'no answer'}); ${host} is another machine, so only a connect was tried.`;
  else if (onPort.length > 0) {
    message += `the backend on port ${port} listens on ${onPort.map((l) => l.address).join(', ')} only, not on ${host}.`;
    probe.push(...onPort.map((l) => `/proc/net/tcp${l.family === 6 ? '6' : ''}: listening on ${l.address}:${l.port}`));
  } else {
    message += `nothing listens on port ${port} on this machine.`;
    probe.push(`/proc/net/tcp, /proc/net/tcp6: no listener on port ${port}`);
  }
  let fix = remote
    ? `Check that the backend runs on ${host} and that a firewall lets ${host}:${port} through.`
    : `Start the application that should listen on ${host}:${port}, or correct the address in the configuration.`;
  const pools = poolsListeningOn(ctx, g.endpoint);
  const pool = pools[0];
  if (pool && !remote) {
    message += ` PHP-FPM pool [${pool.name}] (${pool.file}:${pool.line}) is configured to listen there: PHP-FPM is not running.`;
    probe.push(poolText(pool));
    fix = `Start PHP-FPM (systemctl start ${fpmServiceOf(pool)}).`;
  } else if (!remote && nearestTcpPool(ctx, host, port)) {
    const near = nearestTcpPool(ctx, host, port) as { pool: FpmPool; port: number };
    message += ` PHP-FPM pool [${near.pool.name}] (${listenAt(near.pool)}: listen = ${near.pool.listen ?? ''}) listens on port ${near.port}, not ${port}.`;
    probe.push(poolText(near.pool));
    fix = `If pool [${near.pool.name}] is the one meant, change the port in the configuration to ${near.port} (or "listen" in ${listenAt(near.pool)} to ${port}, then restart PHP-FPM).`;
  } else if (!remote) {
    // Only a lone pool is surely the one meant: with several, the path tells nothing about a port.
    const withEndpoint = ctx.facts.fpm.pools.filter((p) => p.endpoint);
    const unixPool = withEndpoint.length === 1 ? withEndpoint[0] : undefined;
    if (unixPool?.endpoint?.kind === 'unix') {
      message += ` The PHP-FPM pool [${unixPool.name}] listens on a Unix socket instead (${unixPool.endpoint.path}).`;
      probe.push(poolText(unixPool));
      fix = `Point Apache at the pool's socket (SetHandler "proxy:unix:${unixPool.endpoint.path}|fcgi://localhost"), or set "listen = 127.0.0.1:${port}" in ${unixPool.file}:${unixPool.lines['listen'] ?? unixPool.line}.`;
    }
  }
  return probeFinding({
    id: 'backend-unreachable',
    severity: 'error',
    title: 'Nothing answers on the FastCGI backend address',
    message,
    setups: g.setups,
    probe,
    fix,
  });
}

function exposed(
  ctx: ProbeContext,
  g: EndpointGroup,
  host: string,
  port: number,
  open: TcpListener[],
): Finding | undefined {
  const pool = poolsListeningOn(ctx, g.endpoint)[0];
  const allowed = pool?.settings['listen.allowed_clients'];
  // FPM refuses other clients itself when listen.allowed_clients names only loopback.
  if (allowed?.split(',').every((a) => isLoopback(a.trim()))) return undefined;
  const first = open[0];
  if (!first) return undefined;
  const holders = holdersOf(ctx, first.inode, `${first.address}:${port}`);
  const what = WILDCARD.has(first.address) ? `every address (${first.address})` : first.address;
  return probeFinding({
    id: 'backend-exposed',
    severity: 'warning',
    title: 'The FastCGI backend listens on the network, not only on loopback',
    message: `${ctx.facts.serverName} reaches the backend on ${host}:${port}, but it listens on ${what}:${port}: anyone who can reach this machine on port ${port} can send it FastCGI requests directly, bypassing ${ctx.facts.serverName} (and, with PHP-FPM, run any PHP file on the server).`,
    setups: g.setups,
    probe: [
      ...open.map((l) => `/proc/net/tcp${l.family === 6 ? '6' : ''}: listening on ${l.address}:${l.port}`),
      ...holders.text,
      ...(pool ? [poolText(pool)] : []),
    ],
    fix: pool
      ? `Set "listen = 127.0.0.1:${port}" in ${pool.file}:${pool.lines['listen'] ?? pool.line} (or listen.allowed_clients = 127.0.0.1) and restart PHP-FPM.`
      : `Bind the application to 127.0.0.1:${port} (uWSGI --fastcgi-socket 127.0.0.1:${port}, spawn-fcgi -a 127.0.0.1), or firewall port ${port}.`,
  });
}

export const tcpBackendCheck: ProbeCheck = {
  ids: ['backend-unreachable', 'backend-exposed'],
  run(ctx) {
    const out: Finding[] = [];
    for (const g of endpointGroups(ctx.setups, (s) => s.endpoint?.kind === 'tcp')) {
      if (g.endpoint.kind !== 'tcp') continue;
      const { host, port } = g.endpoint;
      const conn = ctx.connects.get(g.key);
      if (!isLocal(ctx, host)) {
        if (conn && !conn.ok) out.push(unreachable(ctx, g, host, port, true, []));
        continue;
      }
      const listeners = ctx.facts.tcpListeners;
      if (!listeners) {
        if (conn && !conn.ok && conn.code === 'ECONNREFUSED') out.push(unreachable(ctx, g, host, port, false, []));
        continue;
      }
      const hits = reaching(listeners, host, port);
      if (hits.length === 0) {
        // A connect that works despite no listener in our /proc/net view: another namespace; trust the connect.
        if (conn?.ok) continue;
        out.push(
          unreachable(
            ctx,
            g,
            host,
            port,
            false,
            listeners.filter((l) => l.port === port),
          ),
        );
        continue;
      }
      if (isLoopback(host)) {
        const open = hits.filter((l) => !isLoopback(l.address.replace(/^::ffff:/, '')));
        const f = open.length > 0 ? exposed(ctx, g, host, port, open) : undefined;
        if (f) out.push(f);
      }
    }
    return out;
  },
};
