/**
 * workers-missing: a static mod_fastcgi server (FastCgiServer -processes N)
 * with fewer live processes than N. fcgi-pm starts them one by one
 * (-init-start-delay, default 1 s) and waits -restart-delay (default 5 s)
 * after a crash, so right after a (re)start a short count is normal and is
 * only noted.
 */
import type { Finding } from '../../findings/finding.js';
import type { ProbeCheck } from './context.js';
import { processText } from './evidence.js';
import { probeFinding } from './make.js';
import { isFcgiPm } from './processManager.js';

function num(v: string | undefined, dflt: number): number {
  const n = v === undefined ? Number.NaN : Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : dflt;
}

export const staticWorkersCheck: ProbeCheck = {
  ids: ['workers-missing'],
  run(ctx) {
    const out: Finding[] = [];
    const { apache } = ctx.facts;
    if (!apache.master) return out;
    const pm = apache.descendants.find(isFcgiPm);
    if (!pm) return out; // process-manager-not-running says it
    const users = ctx.system.users;
    for (const s of ctx.setups) {
      if (s.module !== 'fastcgi' || s.mode !== 'static' || !s.script) continue;
      const wanted = num(s.params['processes'], 1);
      const script = s.script;
      const live = apache.descendants.filter(
        (p) => p.pid !== pm.pid && p.state !== 'Z' && p.cmdline.some((a) => a === script),
      );
      if (live.length >= wanted) continue;
      const startDelay = num(s.params['init-start-delay'], 1);
      const restartDelay = num(s.params['restart-delay'], 5);
      const graceMs = (wanted * startDelay + restartDelay + 5) * 1000;
      const since = ctx.now - Math.max(pm.startedAtMs, apache.master.startedAtMs);
      if (since < graceMs) {
        ctx.notice(
          `${script}: ${live.length} of ${wanted} processes so far, ${Math.round(since / 1000)} s after Apache started; fcgi-pm starts them one every ${startDelay} s. Check again in a few seconds.`,
        );
        continue;
      }
      out.push(
        probeFinding({
          id: 'workers-missing',
          severity: live.length === 0 ? 'error' : 'warning',
          title: 'Fewer FastCGI processes run than -processes asks for',
          message: `FastCgiServer ${script} asks for ${wanted} process${wanted > 1 ? 'es' : ''}, but ${live.length} ${live.length === 1 ? 'runs' : 'run'} ${Math.round(since / 1000)} s after Apache started: the application exits at start (a missing interpreter, a syntax error, a crash) and fcgi-pm keeps restarting it.`,
          setups: [s],
          probe: [
            `process manager: ${processText(pm, users)}`,
            ...live.map((p) => `worker ${processText(p, users)}`),
            `live workers: ${live.length} of ${wanted}`,
          ],
          fix: `Run the script by hand as the user it runs as (sudo -u ${s.runAs?.user ?? ctx.facts.web.name} ${script}) to see why it exits, and read the error log (FastCGI: server "${script}" ... exited).`,
        }),
      );
    }
    return out;
  },
};
