/**
 * timeouts-inverted: which limit ends a long request first, the web server's
 * or the pool's, and what the visitor then sees.
 *
 * The web server's limit is an idle time between two reads of the backend's
 * answer: mod_proxy_fcgi polls with the worker's timeout= (else ProxyTimeout,
 * else Timeout; modules/proxy/mod_proxy_fcgi.c: dispatch) and answers 504;
 * mod_fastcgi's -idle-timeout (mod_fastcgi.c: do_work) ends in a 500. The
 * pool's limits are request_terminate_timeout (wall clock, the master kills
 * the worker: fpm_request.c fpm_request_check_timed_out) and max_execution_time
 * when the pool sets it (php_admin_value / php_value). php.ini's own value is
 * not read: an unset pool limit is the healthy default and says nothing.
 *
 * Reported only for a real inversion: a pool limit set longer than the web
 * server's, or request_terminate_timeout set shorter than the pool's own
 * max_execution_time.
 */
import { listVhosts, serverSetting } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import { parseTimeSeconds, type FpmEntry } from '../../fpm/index.js';
import type { FastcgiSetup } from '../../setups/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { configText } from './evidence.js';
import { entryText, poolAt, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';

interface WebLimit {
  seconds: number;
  /** Where it comes from, with file:line when a line sets it. */
  text: string;
  /** What the visitor sees when it fires. */
  answer: string;
}

function webLimit(ctx: ProbeContext, s: FastcgiSetup): WebLimit | undefined {
  if (s.module === 'nginx') {
    // ngx_http_fastcgi_module: fastcgi_read_timeout is the time between two reads (default 60 s).
    const seconds = s.timeouts['read'];
    if (seconds === undefined) return undefined;
    return {
      seconds,
      answer: '504 Gateway Time-out from nginx ("upstream timed out (110: Connection timed out)")',
      text: s.params['fastcgi_read_timeout'] ?? "nginx's default fastcgi_read_timeout 60s",
    };
  }
  if (s.module === 'proxy_fcgi') {
    const seconds = s.timeouts['timeout'];
    if (seconds === undefined) return undefined;
    const answer = '504 Gateway Timeout from Apache';
    if (s.params['timeout'] !== undefined)
      return {
        seconds,
        answer,
        text: `timeout=${s.params['timeout']} on the worker of ${s.definedAt.file}:${s.definedAt.line}`,
      };
    const vh = s.vhost
      ? listVhosts(ctx.model.tree).find((v) => v.file === s.vhost?.file && v.line === s.vhost?.line)
      : undefined;
    const d = serverSetting(ctx.model.tree, vh, 'proxytimeout') ?? serverSetting(ctx.model.tree, vh, 'timeout');
    const text = d
      ? `${d.file}:${d.line}: ${d.name === 'proxytimeout' ? 'ProxyTimeout' : 'Timeout'} ${d.args.join(' ')}`
      : `Apache's default Timeout ${seconds}`;
    return { seconds, answer, text };
  }
  if (s.module === 'fastcgi' && s.mode === 'external') {
    const seconds = s.timeouts['idle'];
    if (seconds === undefined) return undefined;
    return {
      seconds,
      answer: '500 Internal Server Error from Apache ("FastCGI: comm with server … aborted: idle timeout")',
      text: `${s.definedAt.file}:${s.definedAt.line}: -idle-timeout ${seconds}${s.params['idle-timeout'] === undefined ? " (mod_fastcgi's default)" : ''}`,
    };
  }
  return undefined;
}

interface PoolLimit {
  seconds: number;
  entry: FpmEntry;
  name: 'request_terminate_timeout' | 'max_execution_time';
}

function poolLimits(p: PoolOfInstallation): { terminate?: PoolLimit; maxExec?: PoolLimit } {
  const out: { terminate?: PoolLimit; maxExec?: PoolLimit } = {};
  const rtt = p.pool.get('request_terminate_timeout');
  if (rtt) {
    const seconds = parseTimeSeconds(rtt.value);
    if (seconds > 0) out.terminate = { seconds, entry: rtt, name: 'request_terminate_timeout' };
  }
  // php_admin_value wins over php_value (a script may not raise it either way past the admin value).
  const met =
    p.pool.phpAdminValues.filter((e) => e.offset === 'max_execution_time').at(-1) ??
    p.pool.phpValues.filter((e) => e.offset === 'max_execution_time').at(-1);
  if (met) {
    const seconds = Number.parseInt(met.value, 10);
    if (Number.isFinite(seconds) && seconds > 0) out.maxExec = { seconds, entry: met, name: 'max_execution_time' };
  }
  return out;
}

function webFix(s: FastcgiSetup, web: WebLimit, seconds: number): string {
  if (s.module === 'nginx')
    return `fastcgi_read_timeout ${seconds}s; in the location of ${s.definedAt.file}:${s.definedAt.line}`;
  if (s.module === 'fastcgi') return `-idle-timeout ${seconds} at ${s.definedAt.file}:${s.definedAt.line}`;
  return web.text.includes('timeout=') ? `timeout=${seconds} on the worker` : `ProxyTimeout ${seconds}`;
}

function webFirst(s: FastcgiSetup, p: PoolOfInstallation, web: WebLimit, pool: PoolLimit): Finding {
  const f = probeFinding({
    id: 'timeouts-inverted',
    severity: 'warning',
    title: "The web server gives up on a request before PHP-FPM's own time limit",
    message: `Pool [${p.pool.name}] lets a script run ${pool.seconds} s (${pool.name}), but ${s.module === 'nginx' ? 'nginx' : 'Apache'} waits only ${web.seconds} s for its answer (${web.text}): a request that sends nothing for ${web.seconds} s gets a ${web.answer}, while the worker runs on, busy, for up to ${pool.seconds} s.`,
    location: { file: pool.entry.file, line: pool.entry.line },
    probe: [entryText(pool.entry), `web server: ${web.text} → ${web.seconds} s`],
    fix: `Set the web server's limit a little above the pool's (${webFix(s, web, pool.seconds + 30)}), or lower ${pool.name} in ${pool.entry.file}:${pool.entry.line} to what the site needs; then reload ${s.module === 'nginx' ? 'nginx' : 'Apache'} and PHP-FPM.`,
  });
  f.setup = s.id;
  f.evidence.unshift({ kind: 'config', text: configText(s) });
  return f;
}

function poolKillsFirst(s: FastcgiSetup, p: PoolOfInstallation, terminate: PoolLimit, maxExec: PoolLimit): Finding {
  const f = probeFinding({
    id: 'timeouts-inverted',
    severity: 'warning',
    title: "The web server gives up on a request before PHP-FPM's own time limit",
    message: `Pool [${p.pool.name}] kills a worker after ${terminate.seconds} s (request_terminate_timeout) although its max_execution_time is ${maxExec.seconds} s: a script that needs more than ${terminate.seconds} s is killed mid-answer — the visitor gets a cut-off page or an error from Apache, PHP's "Maximum execution time exceeded" never appears, and FPM logs "execution timed out … terminating".`,
    location: { file: terminate.entry.file, line: terminate.entry.line },
    probe: [entryText(terminate.entry), entryText(maxExec.entry)],
    fix: `Set request_terminate_timeout (${terminate.entry.file}:${terminate.entry.line}) a little above max_execution_time (${maxExec.seconds + 10}s), or lower max_execution_time to ${terminate.seconds}; then reload PHP-FPM.`,
  });
  f.evidence.unshift({ kind: 'config', text: configText(s) });
  return f;
}

export const timeoutsInvertedCheck: ProbeCheck = {
  ids: ['timeouts-inverted'],
  run(ctx) {
    const out: Finding[] = [];
    const toldPool = new Set<PoolOfInstallation>();
    for (const s of ctx.setups) {
      const p = poolAt(ctx, s.endpoint);
      if (!p) continue;
      const { terminate, maxExec } = poolLimits(p);
      // The longest a script may run in this pool; no explicit limit there: the healthy default, nothing to say.
      const limits = [terminate, maxExec].filter((l): l is PoolLimit => l !== undefined);
      if (limits.length === 0) continue;
      const shortest = limits.reduce((a, b) => (b.seconds < a.seconds ? b : a));
      const web = webLimit(ctx, s);
      if (web && web.seconds < shortest.seconds) out.push(webFirst(s, p, web, shortest));
      else if (terminate && maxExec && terminate.seconds < maxExec.seconds && !toldPool.has(p)) {
        toldPool.add(p);
        out.push(poolKillsFirst(s, p, terminate, maxExec));
      }
    }
    return out;
  },
};
