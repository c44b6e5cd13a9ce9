/**
 * socket-in-private-tmp, answered: the configuration can only say "may" about a
 * socket under /tmp (socketInPrivateTmp.ts); on the live machine the doctor can
 * see whether Apache really has a /tmp of its own, and says so.
 *
 * - As root, with Apache running: /proc/<master>/root/<socket> resolves the path
 *   in Apache's own mount namespace (proc(5), /proc/pid/root). A socket there:
 *   Apache sees it, nothing to report. Nothing there while the socket exists
 *   here: Apache's /tmp is not ours, an error.
 * - Otherwise: PrivateTmp= of Apache's systemd unit, read from the unit files
 *   (src/system/systemdUnit.ts). true: an error, with the unit's line; false or
 *   not set: Apache shares /tmp, nothing to report.
 * - When neither can be read: the configuration's warning, saying what could not be read.
 *
 * One finding per socket, with every config line that names it.
 */
import type { Finding } from '../../findings/finding.js';
import type { FastcgiSetup } from '../../setups/index.js';
import { isProbeError } from '../../system/index.js';
import { apachePrivateTmp, type PrivateTmpAnswer } from '../../system/systemdUnit.js';
import { PRIVATE_TMP_FIX, socketsInTmp, tmpDirOf } from '../config/socketInPrivateTmp.js';
import type { ProbeCheck, ProbeContext } from './context.js';
import { probeFinding } from './make.js';

/** systemd creates this directory when it boots as PID 1 (sd_booted(3)): without it no unit is in effect. */
const SYSTEMD_RUNNING_MARK = '/run/systemd/system';

type Seen = 'socket' | 'missing' | 'not-socket';

/** What Apache's mount namespace holds at `socket`, or undefined when it cannot be looked at. */
function seenByApache(ctx: ProbeContext, socket: string): { seen: Seen; via: string } | undefined {
  const master = ctx.facts.apache.master;
  if (!master || ctx.system.processes.viewer().euid !== 0) return undefined;
  const via = `/proc/${master.pid}/root${socket}`;
  const st = ctx.system.fs.lstat(via);
  if (isProbeError(st)) return st.error === 'missing' ? { seen: 'missing', via } : undefined;
  return { seen: st.type === 'socket' ? 'socket' : 'not-socket', via };
}

function unitText(a: PrivateTmpAnswer): string {
  const s = a.setting;
  if (!s) return '';
  return s.at
    ? `PrivateTmp=${s.at.value} (${s.at.file}:${s.at.line})`
    : `PrivateTmp not set in ${s.filesRead.join(', ')}`;
}

function answerFor(
  ctx: ProbeContext,
  socket: string,
  setups: FastcgiSetup[],
  unit: PrivateTmpAnswer | undefined,
  systemdRunning: boolean,
): Finding | undefined {
  const tmp = tmpDirOf(socket);
  const here = ctx.system.fs.lstat(socket);
  const hereIsSocket = !isProbeError(here) && here.type === 'socket';
  const ns = seenByApache(ctx, socket);
  const probe: string[] = [];
  if (unit?.setting) probe.push(`${unit.setting.unit}: ${unitText(unit)}`);
  if (ns)
    probe.push(
      `${ns.via}: ${ns.seen === 'missing' ? 'does not exist' : ns.seen === 'socket' ? 'a socket' : 'not a socket'}`,
    );
  probe.push(
    `${socket} as the doctor sees it: ${hereIsSocket ? 'a socket' : isProbeError(here) ? here.message : here.type}`,
  );
  // The running Apache's own view is the answer when it can be read.
  if (ns?.seen === 'socket') return undefined;
  const privateUnit = systemdRunning && unit?.privateTmp === true;
  if (ns?.seen === 'missing' || ns?.seen === 'not-socket') {
    // Missing for Apache and for us alike: the socket is simply not there (socket-missing says so),
    // unless the unit proves Apache would not see it once it is.
    if (!hereIsSocket && !privateUnit) return undefined;
    const why = privateUnit
      ? `Apache's unit sets ${unitText(unit as PrivateTmpAnswer)}: Apache sees its own ${tmp}, where ${socket} does not exist`
      : `Apache (pid ${ctx.facts.apache.master?.pid}) sees another ${tmp} than you do: ${ns.via} does not exist`;
    return probeFinding({
      id: 'socket-in-private-tmp',
      severity: 'error',
      title: `Apache does not see the socket ${socket}: its ${tmp} is private`,
      message: `${why}${hereIsSocket ? ', although "ls" shows it to you' : ''}. Every request to this backend fails with "No such file or directory" (AH02454).`,
      setups,
      probe,
      fix: PRIVATE_TMP_FIX,
    });
  }
  if (systemdRunning && unit?.privateTmp === false) return undefined;
  if (!systemdRunning && ns === undefined) {
    // No systemd here: no unit gives Apache a private /tmp.
    return undefined;
  }
  if (privateUnit) {
    probe.push(
      ctx.facts.apache.master
        ? `Apache's own view (/proc/${ctx.facts.apache.master.pid}/root) not looked at: that needs root`
        : 'Apache is not running: its own view of /tmp could not be looked at',
    );
    return probeFinding({
      id: 'socket-in-private-tmp',
      severity: 'error',
      title: `Apache does not see the socket ${socket}: its ${tmp} is private`,
      message: `Apache's unit sets ${unitText(unit as PrivateTmpAnswer)}: Apache sees its own ${tmp}, where ${socket}, made by another program in the shared ${tmp}, does not exist. Every request to this backend fails with "No such file or directory" (AH02454) although "ls" shows the socket.`,
      setups,
      probe,
      fix: PRIVATE_TMP_FIX,
    });
  }
  // Unknown: the configuration's warning, with what could not be read.
  const unread: string[] = [];
  if (!unit?.setting)
    unread.push(`no systemd unit for Apache was found (looked at ${unit?.looked.join(', ') ?? 'nothing'})`);
  if (!ns)
    unread.push(
      ctx.facts.apache.master
        ? `Apache's own view of ${tmp} (/proc/${ctx.facts.apache.master.pid}/root) needs root`
        : `Apache is not running, so its own view of ${tmp} could not be looked at`,
    );
  return probeFinding({
    id: 'socket-in-private-tmp',
    severity: 'warning',
    title: `The socket ${socket} is under ${tmp}`,
    message: `Apache connects to ${socket}, a socket another program creates. If Apache runs under systemd with PrivateTmp=true (the default unit on Debian, Ubuntu, RHEL, Fedora and others), Apache has a private ${tmp} where this socket does not exist, and every request fails with "No such file or directory" although "ls" shows the socket. Whether it does could not be read: ${unread.join('; ')}.`,
    setups,
    probe,
    fix: PRIVATE_TMP_FIX,
  });
}

export const privateTmpCheck: ProbeCheck = {
  ids: ['socket-in-private-tmp'],
  answers: ['socket-in-private-tmp'],
  run(ctx) {
    const sockets = socketsInTmp(ctx.setups);
    if (sockets.size === 0) return [];
    const systemdRunning = ctx.system.fs.exists(SYSTEMD_RUNNING_MARK);
    const unit = systemdRunning ? apachePrivateTmp(ctx.system.fs) : undefined;
    const out: Finding[] = [];
    for (const [socket, setups] of sockets) {
      const f = answerFor(ctx, socket, setups, unit, systemdRunning);
      if (f) out.push(f);
    }
    return out;
  },
};
