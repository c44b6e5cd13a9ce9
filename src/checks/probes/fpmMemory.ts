/**
 * fpm-max-children-exceeds-memory: the pools serving the checked sites may
 * start more workers than the machine can hold. Each pool may run
 * pm.max_children workers (php-src sapi/fpm/fpm/fpm_children.c:
 * fpm_children_make stops there, whatever pm is); each takes about what its
 * live workers take now. When pm.max_children × that figure, summed over the
 * running pools that serve the checked setups (they share the machine's
 * memory), passes the machine's memory, a burst of traffic makes the kernel
 * swap or kill workers (the OOM killer) instead of FPM queueing the requests:
 * visitors get 502s and timeouts rather than a slow page.
 *
 * Only those pools count, as everywhere in `check FILE`: a pool no checked
 * site uses is another site's business (and fpm-pool-unused's); what it holds
 * now is already out of MemAvailable, which the fix's budget starts from.
 *
 * Measured live, never guessed: a pool with no worker running (ondemand at
 * rest, a master that is down) or whose /proc is not readable is "not
 * measured" (a notice), not a finding.
 */
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError, type MachineMemory, type ProcessInfo } from '../../system/index.js';
import { formatBytes } from '../../util/bytes.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { configText } from './evidence.js';
import { entryText, poolAt, type PoolOfInstallation } from './fpmPoolsOfSetups.js';
import { probeFinding } from './make.js';

/** Workers measured per pool: the largest few hundred tell the size as well as thousands would. */
const MAX_WORKERS_MEASURED = 256;
/**
 * VmRSS counts the pages a worker shares with the master and its siblings
 * (the PHP binary, opcache's shared memory) in full, so a sum of RSS overstates
 * what the workers take, often by half. With RSS alone the check fires only
 * when the figure passes the machine's memory by this factor.
 */
const RSS_MARGIN = 1.5;

/** "php-fpm: pool www": the title FPM gives a worker of pool www (fpm_env.c: fpm_env_init_child). */
const isWorkerOf = (p: ProcessInfo, pool: string) => p.cmdline.join(' ').trim() === `php-fpm: pool ${pool}`;

interface PoolMemory {
  p: PoolOfInstallation;
  maxChildren: number;
  maxChildrenAt: NonNullable<ReturnType<PoolOfInstallation['pool']['get']>>;
  workers: number;
  /** The largest worker's figure, KiB. */
  perWorkerKb: number;
  /** The pid of that worker. */
  largestPid: number;
  /** What all its live workers take now, KiB. */
  nowKb: number;
  measure: 'pss' | 'rss';
}

const kib = (kb: number) => formatBytes(kb * 1024);

/** The pool's live workers, measured; a string says why not. */
function measurePool(ctx: ProbeContext, p: PoolOfInstallation, all: readonly ProcessInfo[]): PoolMemory | string {
  const entry = p.pool.get('pm.max_children');
  const maxChildren = entry ? Number(entry.value) : Number.NaN;
  // A missing or invalid value is fpm-config-error's: FPM refuses to start.
  if (!entry || !Number.isInteger(maxChildren) || maxChildren < 1) return 'no valid pm.max_children';
  if (p.masterPid === undefined) return 'no PHP-FPM master running with this configuration';
  const workers = all
    .filter((w) => w.ppid === p.masterPid && isWorkerOf(w, p.pool.name))
    .slice(0, MAX_WORKERS_MEASURED);
  if (workers.length === 0) return 'no worker running';
  let perWorkerKb = 0;
  let largestPid = 0;
  let nowKb = 0;
  let rss = false;
  let unreadable: string | undefined;
  let measured = 0;
  for (const w of workers) {
    const m = ctx.system.processes.memory?.(w.pid);
    if (!m) return 'process memory cannot be read here';
    if (isProbeError(m)) {
      unreadable ??= m.message;
      continue;
    }
    measured += 1;
    nowKb += m.kb;
    if (m.measure === 'rss') rss = true;
    if (m.kb > perWorkerKb) {
      perWorkerKb = m.kb;
      largestPid = w.pid;
    }
  }
  if (measured === 0 || perWorkerKb === 0) return `its workers' memory is not readable (${unreadable ?? 'empty'})`;
  return {
    p,
    maxChildren,
    maxChildrenAt: entry,
    workers: measured,
    perWorkerKb,
    largestPid,
    nowKb,
    measure: rss ? 'rss' : 'pss',
  };
}

function finding(
  pool: PoolMemory,
  setups: readonly FastcgiSetup[],
  all: readonly PoolMemory[],
  machine: MachineMemory,
): Finding {
  const totalNeedKb = all.reduce((n, x) => n + x.maxChildren * x.perWorkerKb, 0);
  const nowKb = all.reduce((n, x) => n + x.nowKb, 0);
  // What PHP may take: what is free now plus what its workers already hold, never more than the machine has.
  const budgetKb = Math.min(machine.totalKb, (machine.availableKb ?? machine.totalKb) + nowKb);
  const share = (x: PoolMemory) => (budgetKb * x.maxChildren * x.perWorkerKb) / totalNeedKb;
  const fits = (x: PoolMemory) => Math.max(1, Math.floor(share(x) / x.perWorkerKb));
  const need = pool.maxChildren * pool.perWorkerKb;
  const name = pool.p.pool.name;
  const at = pool.maxChildrenAt;
  const measureText =
    pool.measure === 'pss'
      ? 'PSS, /proc/PID/smaps_rollup: shared pages divided among the processes sharing them'
      : 'RSS, VmRSS of /proc/PID/status: shared pages counted in full, so an upper bound';
  const others = all.filter((x) => x !== pool);
  const machineText = `${kib(machine.totalKb)} (MemTotal${machine.availableKb !== undefined ? `, ${kib(machine.availableKb)} MemAvailable` : ''})`;
  const sumText =
    others.length > 0
      ? ` Together with the other pools serving these sites (${others.map((x) => `[${x.p.pool.name}] ${x.maxChildren} × ${kib(x.perWorkerKb)}`).join(', ')}) PHP-FPM may take ${kib(totalNeedKb)}.`
      : '';
  const budgetText =
    machine.availableKb !== undefined
      ? `${kib(budgetKb)} for PHP = ${kib(machine.availableKb)} available now + ${kib(nowKb)} its workers already use`
      : `${kib(budgetKb)} for PHP = MemTotal (MemAvailable is not given)`;
  const arithmetic =
    others.length === 0
      ? `${budgetText}; ${kib(budgetKb)} ÷ ${kib(pool.perWorkerKb)} per worker = ${fits(pool)}`
      : `${budgetText}, shared in proportion to what each pool may take: ${kib(Math.floor(share(pool)))} for [${name}] ÷ ${kib(pool.perWorkerKb)} per worker = ${fits(pool)}`;
  const f = probeFinding({
    id: 'fpm-max-children-exceeds-memory',
    severity: 'warning',
    title: "PHP-FPM may start more workers than the machine's memory holds (pm.max_children)",
    message: `PHP-FPM pool [${name}] may run ${pool.maxChildren} workers (pm.max_children), and its largest live worker takes ${kib(pool.perWorkerKb)} (${pool.measure.toUpperCase()}): at full load that is ${kib(need)}, while the machine has ${machineText}.${sumText} Under a burst of traffic the kernel swaps or kills workers (OOM killer) instead of FPM queueing the requests, and visitors get 502s and timeouts.`,
    location: { file: at.file, line: at.line },
    probe: [
      entryText(at),
      `pool [${name}]: ${pool.workers} live worker${pool.workers === 1 ? '' : 's'} under master pid ${pool.p.masterPid}, the largest pid ${pool.largestPid} at ${kib(pool.perWorkerKb)} (${measureText})`,
      `${pool.maxChildren} × ${kib(pool.perWorkerKb)} = ${kib(need)}`,
      ...others.map(
        (x) =>
          `${entryText(x.maxChildrenAt)} (pool [${x.p.pool.name}]): ${x.maxChildren} × ${kib(x.perWorkerKb)} (${x.measure.toUpperCase()}) = ${kib(x.maxChildren * x.perWorkerKb)}`,
      ),
      `/proc/meminfo: MemTotal ${kib(machine.totalKb)}${machine.availableKb !== undefined ? `, MemAvailable ${kib(machine.availableKb)}` : ''}`,
    ],
    fix: `In ${at.file}:${at.line} set "pm.max_children = ${fits(pool)}" (${arithmetic})${others.length > 0 ? `, and lower the other pools the same way (${others.map((x) => `[${x.p.pool.name}] ${fits(x)}`).join(', ')})` : ''}; then test with php-fpm -t and reload PHP-FPM. The figure is what the workers take now: one in the middle of a heavy request takes more, so keep a margin, or measure again under load. Or give the machine more memory, or make the workers smaller (memory_limit, pm.max_requests to recycle leaking workers).`,
  });
  const first = setups[0];
  if (first) f.setup = first.id;
  f.evidence.unshift(...setups.map((s) => ({ kind: 'config' as const, text: configText(s) })));
  return f;
}

export const fpmMemoryCheck: ProbeCheck = {
  ids: ['fpm-max-children-exceeds-memory'],
  run(ctx) {
    const served = new Map<PoolOfInstallation, FastcgiSetup[]>();
    for (const s of ctx.setups) {
      const p = poolAt(ctx, s.endpoint);
      if (p) served.set(p, [...(served.get(p) ?? []), s]);
    }
    if (served.size === 0) return [];
    // A source that does not model memory (no `memory`) says nothing; one that cannot read it says so.
    if (!ctx.system.memory) return [];
    const machine = ctx.system.memory.machine();
    if (isProbeError(machine)) {
      ctx.notice(
        `The machine's memory is not readable (${machine.message}): PHP-FPM's pm.max_children was not measured against it.`,
      );
      return [];
    }
    const all = ctx.system.processes.list();
    const measured: PoolMemory[] = [];
    for (const p of served.keys()) {
      const m = measurePool(ctx, p, all);
      if (typeof m !== 'string') measured.push(m);
      else if (m !== 'no valid pm.max_children')
        ctx.notice(`PHP-FPM pool [${p.pool.name}] (${p.pool.file}): ${m}, so its memory was not measured.`);
    }
    const totalNeedKb = measured.reduce((n, x) => n + x.maxChildren * x.perWorkerKb, 0);
    const rss = measured.some((x) => x.measure === 'rss');
    if (totalNeedKb <= machine.totalKb * (rss ? RSS_MARGIN : 1)) return [];
    const out: Finding[] = [];
    for (const pool of measured) {
      const setups = served.get(pool.p);
      if (setups) out.push(finding(pool, setups, measured, machine));
    }
    return out;
  },
};
