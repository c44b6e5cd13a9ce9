/**
 * script-missing and script-not-executable: the file Apache (or its process
 * manager) execs, checked for the user that runs it — x on the file and on
 * every directory above it — not for the doctor.
 */
import type { Finding } from '../../findings/finding.js';
import { confirmedText } from '../../system/denial.js';
import { confirmedAccessOne, isProbeError } from '../../system/index.js';
import type { ProbeCheck } from './context.js';
import { principalText, statText } from './evidence.js';
import { CLASS_LETTER } from '../../system/denial.js';
import { probeFinding } from './make.js';
import { scriptTargets } from './scriptTargets.js';

export const scriptsCheck: ProbeCheck = {
  ids: ['script-missing', 'script-not-executable'],
  run(ctx) {
    const out: Finding[] = [];
    const users = ctx.system.users;
    for (const t of scriptTargets(ctx)) {
      const st = ctx.system.fs.stat(t.path);
      if (isProbeError(st)) {
        if (st.error === 'denied') {
          ctx.notice(`${t.path} is not visible to user ${ctx.facts.viewerName}; run with sudo for the full check.`);
          continue;
        }
        if (!t.explicit) continue;
        const dangling = !isProbeError(ctx.system.fs.lstat(t.path));
        const target = dangling ? ctx.system.fs.readlink(t.path) : undefined;
        out.push(
          probeFinding({
            id: 'script-missing',
            severity: 'error',
            title: 'The FastCGI script does not exist',
            message: `Apache is told to run ${t.path}, but ${dangling ? `it is a symbolic link to ${typeof target === 'string' ? target : 'a path'} that does not exist` : 'there is no such file'}: the application can never start${t.setup.mode === 'static' ? ' (mod_fastcgi refuses the FastCgiServer line at start-up)' : ''}.`,
            setups: [t.setup],
            probe: [`${t.path}: ${dangling ? 'dangling symbolic link' : 'no such file'}`],
            fix: `Install the script at ${t.path}, or correct the path in the configuration.`,
          }),
        );
        continue;
      }
      if (st.type !== 'file') {
        out.push(
          probeFinding({
            id: 'script-not-executable',
            severity: 'error',
            title: 'The FastCGI script is not a regular file',
            message: `Apache is told to run ${t.path}, which is a ${st.type === 'dir' ? 'directory' : st.type}.`,
            setups: [t.setup],
            probe: [statText(st, users)],
            fix: 'Point the configuration at the script file itself.',
          }),
        );
        continue;
      }
      if (!t.who) continue;
      // execve() needs x on the script and search on the directories; the kernel has the last word (ACLs).
      const v = confirmedAccessOne(ctx.system.fs, ctx.system.access, t.who, t.path, ['x']);
      if (v.result !== 'denied') continue;
      const onFile = v.path === st.path;
      out.push(
        probeFinding({
          id: 'script-not-executable',
          severity: 'error',
          title: 'The FastCGI script is not executable for the user that runs it',
          message: `${t.path} runs as ${t.whoName}, who lacks ${v.missing.join('')} permission on ${onFile ? 'the script' : `the directory ${v.path}`}: exec fails with "Permission denied" and the request ends in a 500 or 503.`,
          setups: [t.setup],
          probe: [
            `runs as: ${principalText(t.who, users)}`,
            `DENIED ${v.missing.join('')}: ${statText(v.stat, users)}`,
            ...(v.confirmed ? [confirmedText(t.whoName, v)] : []),
          ],
          fix: onFile
            ? `chmod ${CLASS_LETTER[v.cls]}+x ${v.path}${v.cls === 'owner' ? '' : ` (or chmod +x ${v.path})`}`
            : `chmod ${CLASS_LETTER[v.cls]}+x ${v.path}`,
        }),
      );
    }
    return out;
  },
};
