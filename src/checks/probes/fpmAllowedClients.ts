/**
 * fpm-client-not-allowed: a TCP pool whose listen.allowed_clients does not
 * name the address the web server connects from. PHP-FPM accepts the
 * connection, then closes it at once (php-src main/fastcgi.c:
 * fcgi_accept_request → fcgi_is_allowed, "Connection disallowed: IP address
 * '%s' has been dropped."), so a bare connect succeeds and only the request
 * fails: nothing else the probes see says why.
 *
 * Decided from the pool file, as FPM will apply it: the pool may be stopped.
 * Only for a backend on this machine, where the source address of the
 * connection is known: the kernel uses the destination address itself
 * (127.0.0.1 → 127.0.0.1, ::1 → ::1, this host's 10.0.0.5 → 10.0.0.5).
 */
import { isIP } from 'node:net';
import type { Finding } from '../../findings/finding.js';
import type { FpmPool } from '../../system/index.js';
import type { ProbeCheck } from './context.js';
import { fpmServiceOf, poolText } from './evidence.js';
import { endpointGroups } from './facts.js';
import { poolsListeningOn } from './fpmSide.js';
import { probeFinding } from './make.js';
import { isLocal } from './tcpBackend.js';

/** Longest listen.allowed_clients value read; FPM itself has no bound, a real list is a few addresses. */
const MAX_ALLOWED_TEXT = 16 * 1024;

/** An address in one canonical form, IPv4 as IPv4-mapped IPv6 (FPM matches a v4 client on a v6 socket against a v4 entry). */
function canonical(address: string): string | undefined {
  const a = address.trim().replace(/^\[(.*)\]$/, '$1');
  const family = isIP(a);
  if (family === 0) return undefined;
  const v6 = family === 4 ? `::ffff:${a}` : a;
  try {
    return new URL(`http://[${v6}]/`).hostname;
  } catch {
    return undefined;
  }
}

/** The addresses the connection may come from; undefined when this machine cannot tell. */
function sourceAddresses(host: string): string[] | undefined {
  if (host === 'localhost' || host === 'ip6-localhost') return host === 'localhost' ? ['127.0.0.1', '::1'] : ['::1'];
  return isIP(host) !== 0 ? [host] : undefined;
}

interface AllowedList {
  /** Canonical addresses FPM accepts. */
  accepted: Set<string>;
  /** Entries FPM rejects ("Wrong IP address '%s' in listen.allowed_clients"): not addresses. */
  wrong: string[];
}

/** listen.allowed_clients as FPM reads it (main/fastcgi.c: fcgi_set_allowed_clients): comma-separated IP literals. */
function allowedList(value: string): AllowedList {
  const accepted = new Set<string>();
  const wrong: string[] = [];
  for (const raw of value.slice(0, MAX_ALLOWED_TEXT).split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const c = canonical(entry);
    if (c) accepted.add(c);
    else wrong.push(entry);
  }
  return { accepted, wrong };
}

function refusing(pool: FpmPool, sources: readonly string[]): AllowedList | undefined {
  const value = pool.settings['listen.allowed_clients'];
  // Absent or empty: FPM accepts every client.
  if (value === undefined || value.trim() === '') return undefined;
  const list = allowedList(value);
  const allowedSome = sources.some((s) => {
    const c = canonical(s);
    return c !== undefined && list.accepted.has(c);
  });
  return allowedSome ? undefined : list;
}

export const fpmAllowedClientsCheck: ProbeCheck = {
  ids: ['fpm-client-not-allowed'],
  run(ctx) {
    const out: Finding[] = [];
    for (const g of endpointGroups(ctx.setups, (s) => s.endpoint?.kind === 'tcp')) {
      if (g.endpoint.kind !== 'tcp') continue;
      const { host, port } = g.endpoint;
      if (!isLocal(ctx, host)) continue; // another machine: the source address depends on its routes
      const sources = sourceAddresses(host);
      if (!sources) continue;
      for (const pool of poolsListeningOn(ctx, g.endpoint)) {
        const list = refusing(pool, sources);
        if (!list) continue;
        const line = pool.lines['listen.allowed_clients'] ?? pool.line;
        const value = pool.settings['listen.allowed_clients'] ?? '';
        const from = sources.join(' or ');
        const none = list.accepted.size === 0;
        const allowedText = none
          ? `names no valid IP address (${list.wrong.slice(0, 5).join(', ')}), so FPM accepts no client at all`
          : `accepts only ${[...list.accepted].slice(0, 5).join(', ')}${list.accepted.size > 5 ? ` and ${list.accepted.size - 5} more` : ''}`;
        const wanted = sources[0] ?? host;
        const kept =
          list.wrong.length > 0
            ? value
                .split(',')
                .map((v) => v.trim())
                .filter((v) => !list.wrong.includes(v))
            : value.split(',').map((v) => v.trim());
        const newValue = [...kept.filter((v) => v !== ''), wanted].join(',');
        out.push(
          probeFinding({
            id: 'fpm-client-not-allowed',
            severity: 'error',
            title: "PHP-FPM refuses the web server's address (listen.allowed_clients)",
            message: `${ctx.facts.serverName} connects to ${host}:${port} from ${from}, but PHP-FPM pool [${pool.name}] (${pool.file}:${line}: listen.allowed_clients = ${value}) ${allowedText}: FPM accepts each connection and closes it at once, logging "Connection disallowed: IP address '${wanted}' has been dropped.", and the visitor gets a 503.`,
            setups: g.setups,
            probe: [
              `${pool.file}:${line}: listen.allowed_clients = ${value}`,
              ...(list.wrong.length > 0
                ? [
                    `not IP addresses, ignored by FPM ("Wrong IP address … in listen.allowed_clients"): ${list.wrong.slice(0, 5).join(', ')}`,
                  ]
                : []),
              `connection source: ${from} (the address ${ctx.facts.serverName} connects to, on this machine)`,
              poolText(pool),
            ],
            fix: `In ${pool.file}:${line} set "listen.allowed_clients = ${newValue}" (or remove the line if only trusted hosts reach port ${port}), then test with php-fpm -t and restart PHP-FPM (systemctl restart ${fpmServiceOf(pool)}).`,
          }),
        );
      }
    }
    return out;
  },
};
