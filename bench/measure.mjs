// Timing whole commands for the configuration benchmarks: wall time (output to
// /dev/null, as in a shell) and peak memory (from /usr/bin/time -v), the
// commands alternating run by run so machine load hits them alike.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { median } from './lib.mjs';

export const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** One run: wall ms and peak RSS KiB (from /usr/bin/time -v, else the child's own report). */
export function once(cmd, args) {
  const env = { ...process.env, NO_COLOR: '1' };
  // Wall time of the command alone, output to /dev/null as in a shell: a /usr/bin/time
  // wrapper adds the same tens of milliseconds to both sides (flattering the ratio), and
  // apache2 -t is ~50 ms slower when its stderr is a pipe.
  const start = process.hrtime.bigint();
  spawnSync(cmd, args, { stdio: 'ignore', env });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  // Once more, captured, for the summary lines and (under /usr/bin/time -v) peak memory.
  const r = spawnSync(TIME ?? cmd, TIME ? ['-v', cmd, ...args] : args, {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env,
  });
  const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr ?? '') ?? /maxRSS=(\d+)/.exec(r.stdout ?? '');
  return { wall, rss: m ? Number(m[1]) : NaN, r };
}

/** Runs the commands alternately `runs` times; medians, and every run's wall time. */
export function measure(commands, runs) {
  const all = commands.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of commands.entries()) all[k].push(once(c.cmd, c.args));
  }
  return all.map((rs) => ({
    wall: median(rs.map((x) => x.wall)),
    rss: median(rs.map((x) => x.rss)),
    walls: rs.map((x) => x.wall),
    last: rs.at(-1)?.r,
  }));
}

/** The side-by-side table: label, median wall time, median peak memory, every run. */
export function table(commands, results) {
  const rows = [['', 'wall time (median)', 'peak memory (median)', 'runs (ms)']];
  commands.forEach((c, k) => {
    const r = results[k];
    rows.push([
      c.label,
      `${r.wall.toFixed(0)} ms`,
      `${(r.rss / 1024).toFixed(1)} MiB`,
      r.walls.map((w) => w.toFixed(0)).join(' '),
    ]);
  });
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `${r.map((c, i) => c.padEnd(w[i])).join('  ')}\n`).join('');
}
