/**
 * `check` of a machine with both Apache and nginx: each web server is checked
 * on its own, but a PHP-FPM pool only the other one connects to is not unused
 * (fpm-pool-unused speaks of "this Apache configuration"). Its findings give
 * way when another server's setup reaches the pool's address.
 */
import type { Finding } from '../findings/finding.js';
import type { FastcgiSetup } from '../setups/index.js';

function addressOf(s: FastcgiSetup): string | undefined {
  const e = s.endpoint;
  if (!e || (e.kind === 'unix' && e.generated)) return undefined;
  return e.kind === 'unix' ? e.path : `${e.host}:${e.port}`;
}

/** The findings of one server, less fpm-pool-unused for pools that the other servers' setups use. */
export function withoutPoolsUsedElsewhere(findings: readonly Finding[], others: readonly FastcgiSetup[]): Finding[] {
  const used = others.flatMap((s) => {
    const a = addressOf(s);
    return a ? [a] : [];
  });
  if (used.length === 0) return [...findings];
  return findings.filter(
    (f) =>
      f.id !== 'fpm-pool-unused' ||
      !used.some((a) => new RegExp(`listen = \\S*${escapeRegExp(a)}(\\s|\\)|$)`).test(f.message)),
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
