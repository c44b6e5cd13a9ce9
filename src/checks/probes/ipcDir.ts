/**
 * ipc-dir-unwritable: mod_fastcgi (FastCgiIpcDir) and mod_fcgid (FcgidIPCDir)
 * create their sockets in a directory as the web server's user, so that user
 * needs write and search permission on it and search on every directory
 * above. Apache creates the directory at start: a missing one only matters
 * while Apache runs.
 */
import type { Finding } from '../../findings/finding.js';
import { extractContext, fastcgiIpcDir, fcgidIpcDir, type FastcgiSetup } from '../../setups/index.js';
import { confirmedText } from '../../system/denial.js';
import { confirmedAccessOne, isProbeError } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { principalText, statText } from './evidence.js';
import { probeFinding } from './make.js';

function ipcDirs(ctx: ProbeContext): Map<string, { directive: string; setups: FastcgiSetup[] }> {
  const out = new Map<string, { directive: string; setups: FastcgiSetup[] }>();
  const fastcgi = ctx.setups.filter((s) => s.module === 'fastcgi' && (s.mode === 'static' || s.mode === 'dynamic'));
  const fcgid = ctx.setups.filter((s) => s.module === 'fcgid');
  if (fastcgi.length === 0 && fcgid.length === 0) return out;
  const ext = extractContext(ctx.model.tree, ctx.model.serverRoot, ctx.model.modulesLoaded);
  if (fastcgi.length > 0) out.set(fastcgiIpcDir(ext), { directive: 'FastCgiIpcDir', setups: fastcgi });
  if (fcgid.length > 0) {
    const dir = fcgidIpcDir(ext);
    const prev = out.get(dir);
    out.set(dir, {
      directive: prev ? `${prev.directive} and FcgidIPCDir` : 'FcgidIPCDir',
      setups: [...(prev?.setups ?? []), ...fcgid],
    });
  }
  return out;
}

export const ipcDirCheck: ProbeCheck = {
  ids: ['ipc-dir-unwritable'],
  run(ctx) {
    const out: Finding[] = [];
    const web = ctx.facts.web;
    for (const [dir, { directive, setups }] of ipcDirs(ctx)) {
      const st = ctx.system.fs.stat(dir);
      if (isProbeError(st) && st.error === 'missing') {
        if (!ctx.facts.apache.master) continue;
        out.push(
          probeFinding({
            id: 'ipc-dir-unwritable',
            severity: 'error',
            title: `The ${directive} directory does not exist`,
            message: `Apache runs, but ${dir} (${directive}) does not exist: it could not create it, and no FastCGI process can get a socket there.`,
            setups,
            probe: [`${dir}: no such directory`],
            fix: `Create it for the web server's user (install -d -o ${web.name} -m 0750 ${dir}) or point ${directive} at a directory that exists, then restart Apache.`,
          }),
        );
        continue;
      }
      if (!web.principal) continue;
      // Creating a socket needs w and x on the directory (mayCreateIn); an ACL may grant them.
      const v = confirmedAccessOne(ctx.system.fs, ctx.system.access, web.principal, dir, ['w', 'x']);
      if (v.result === 'unknown') {
        if (v.reason === 'denied')
          ctx.notice(
            `${v.path} is not visible to user ${ctx.facts.viewerName}; whether ${web.name} may write to ${dir} is unknown. Run with sudo for the full check.`,
          );
        continue;
      }
      if (v.result === 'allowed') continue;
      const isDir = v.path === dir;
      out.push(
        probeFinding({
          id: 'ipc-dir-unwritable',
          severity: 'error',
          title: `The web server's user may not create sockets in ${directive}`,
          message: `${web.name} lacks ${v.missing.join('')} permission on ${v.path}${isDir ? '' : `, above ${dir}`}, so the FastCGI process manager cannot create its sockets in ${dir} (${directive}): the applications never start or cannot be reached.`,
          setups,
          probe: [
            `web server user: ${principalText(web.principal, ctx.system.users)}`,
            `DENIED ${v.missing.join('')}: ${statText(v.stat, ctx.system.users)}`,
            ...(v.confirmed ? [confirmedText(web.name, v)] : []),
          ],
          fix: isDir ? `chown ${web.name} ${dir} && chmod u+wx ${dir}` : `chmod o+x ${v.path}`,
        }),
      );
    }
    return out;
  },
};
