/**
 * The Unix socket a setup connects to: is it there (socket-missing, with the
 * closest listening socket and its process suggested), is it a socket
 * (socket-not-socket), does anything listen on it (socket-stale: a file left
 * by an app that died; the bare connect is refused and /proc/net/unix has no
 * listener bound to the path).
 */
import * as path from 'node:path';
import type { Finding } from '../../findings/finding.js';
import { isProbeError, SUN_PATH_MAX } from '../../system/index.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { fpmServiceOf, statText } from './evidence.js';
import { endpointGroups, type EndpointGroup } from './facts.js';
import { fpmAdviceForMissing, poolsListeningOn } from './fpmSide.js';
import { holdersOf, listenersAt } from './holders.js';
import { joinSentences, probeFinding } from './make.js';
import { closestSocket } from './suggest.js';

/** Apache's process manager creates these sockets itself: missing ones only mean something while it runs. */
function apacheCreates(g: EndpointGroup): boolean {
  return g.setups.every((s) => s.mode === 'static');
}

interface Suggestion {
  sentence: string;
  probe: string[];
  fix?: string;
  /** The listening socket suggested, and who holds it. */
  path?: string;
  holder?: string;
}

function suggestion(ctx: ProbeContext, wanted: string): Suggestion {
  const listeners = ctx.facts.unixListeners;
  if (!listeners) return { sentence: '', probe: ['/proc/net/unix: not readable, no listening socket to suggest'] };
  const near = closestSocket(wanted, listeners);
  if (!near) {
    const inDir = listeners.filter((l) => path.posix.dirname(l.path) === path.posix.dirname(wanted)).map((l) => l.path);
    return {
      sentence: '',
      probe: [
        inDir.length > 0
          ? `listening in ${path.posix.dirname(wanted)}: ${inDir.slice(0, 5).join(', ')}`
          : `no socket is listening in ${path.posix.dirname(wanted)}`,
      ],
    };
  }
  const holders = holdersOf(ctx, near.inode, `listening socket ${near.path}`);
  const who = holders.processes[0];
  const holder = who ? `${who.cmdline.join(' ') || who.comm}, pid ${who.pid}` : undefined;
  return {
    path: near.path,
    ...(holder ? { holder } : {}),
    sentence: ` A socket with a close name is listening: ${near.path}${holder ? ` (${holder})` : ''}.`,
    probe: [`/proc/net/unix: ${near.path} is listening (inode ${near.inode})`, ...holders.text],
    fix: `If ${near.path} is the application meant here, change the socket path in the configuration to ${near.path}.`,
  };
}

function missing(ctx: ProbeContext, g: EndpointGroup, p: string): Finding {
  const near = suggestion(ctx, p);
  const fpm = fpmAdviceForMissing(ctx, g.endpoint);
  // The pool FPM's files point at and the live socket /proc shows may be one and the same:
  // then it is one suggestion, said once (with who listens there), not two.
  const same = near.path !== undefined && near.path === fpm.suggests;
  const nearSentence = same ? (near.holder ? ` It is listening (${near.holder}).` : '') : near.sentence;
  const fixes = [fpm.fix, same ? undefined : near.fix].filter((x): x is string => x !== undefined);
  return probeFinding({
    id: 'socket-missing',
    severity: 'error',
    title: 'The FastCGI socket does not exist',
    message: `${ctx.facts.serverName} connects to ${p}, but there is no such file: requests fail with "No such file or directory" (${ctx.facts.serverName === 'nginx' ? '502' : '503'}).${fpm.sentence ? ` ${fpm.sentence}` : ''}${nearSentence}`,
    setups: g.setups,
    probe: [`${p}: no such file`, ...fpm.probe, ...near.probe],
    fix:
      fixes.length > 0
        ? joinSentences(fixes)
        : 'Start the application that should listen on this socket, or correct the path in the configuration.',
  });
}

export const unixSocketCheck: ProbeCheck = {
  ids: ['socket-missing', 'socket-not-socket', 'socket-stale'],
  run(ctx) {
    const out: Finding[] = [];
    const groups = endpointGroups(ctx.setups, (s) => s.endpoint?.kind === 'unix' && !s.endpoint.generated);
    for (const g of groups) {
      if (g.endpoint.kind !== 'unix') continue;
      const p = g.endpoint.path;
      const users = ctx.system.users;
      const l = ctx.system.fs.lstat(p);
      if (isProbeError(l)) {
        if (l.error === 'denied') {
          ctx.notice(`${p} is not visible to user ${ctx.facts.viewerName}; run with sudo for the full check.`);
          continue;
        }
        if (l.error === 'missing' && apacheCreates(g) && !ctx.facts.apache.master) continue;
        out.push(missing(ctx, g, p));
        continue;
      }
      const st = ctx.system.fs.stat(p);
      if (isProbeError(st)) {
        // A symbolic link to nowhere.
        out.push(missing(ctx, g, p));
        continue;
      }
      if (st.type !== 'socket') {
        out.push(
          probeFinding({
            id: 'socket-not-socket',
            severity: 'error',
            title: 'The FastCGI socket path is not a socket',
            message: `${ctx.facts.serverName} connects to ${p}, which is a ${st.type === 'dir' ? 'directory' : st.type === 'file' ? 'regular file' : st.type}, not a socket: connect() fails ("Connection refused" or "Not a socket"). An application that finds a file there cannot bind its socket either.`,
            setups: g.setups,
            probe: [statText(st, users)],
            fix: `Remove ${p} (after checking it holds nothing of value: rm ${p}) and restart the application so that it creates its socket there.`,
          }),
        );
        continue;
      }
      // /proc/net/unix shows the name a socket was bound with, which for a path longer than a
      // socket address holds is another one (bound through its directory): it cannot tell.
      const longPath = Buffer.byteLength(p) > SUN_PATH_MAX;
      const bound = longPath ? undefined : listenersAt(ctx, p);
      const conn = ctx.connects.get(g.key);
      const refused = conn !== undefined && !conn.ok && conn.code === 'ECONNREFUSED';
      // On a Unix socket, ECONNREFUSED means nobody listens (a full backlog gives EAGAIN instead).
      // Without a connect result (not permitted for us), /proc/net/unix alone decides.
      const someoneBound = bound !== undefined && bound.length > 0;
      const nobodyBound = bound !== undefined && bound.length === 0;
      if (conn?.ok || someoneBound || !(refused || nobodyBound)) continue;
      const probe = [statText(st, users)];
      probe.push(
        longPath
          ? `/proc/net/unix: not consulted (it cannot name a path longer than ${SUN_PATH_MAX} bytes)`
          : bound === undefined
            ? '/proc/net/unix: not readable'
            : `/proc/net/unix: no listening socket is bound to ${p}`,
      );
      if (conn && !conn.ok) probe.push(`connect(${p}): ${conn.code}`);
      const near = suggestion(ctx, p);
      const pools = poolsListeningOn(ctx, g.endpoint);
      const pool = pools[0];
      out.push(
        probeFinding({
          id: 'socket-stale',
          severity: 'error',
          title: 'Nothing listens on the FastCGI socket',
          message: `${p} exists but no process listens on it: it was left behind by an application that stopped or was killed, and every connect is refused (503, "Connection refused").${pool ? ` PHP-FPM pool [${pool.name}] (${pool.file}:${pool.line}) should listen here.` : ''}${near.sentence}`,
          setups: g.setups,
          probe: [...probe, ...near.probe],
          fix: `Start the application again${pool ? ` (systemctl restart ${fpmServiceOf(pool)})` : ''}; if it refuses because the file exists, remove the stale file first (rm ${p}).`,
        }),
      );
    }
    return out;
  },
};
