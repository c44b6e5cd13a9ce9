/**
 * Who closed the connection without a byte: when the process listening at
 * the target is uWSGI and its socket there is a native one (`--socket`,
 * `socket =`), the silent close is uWSGI refusing FastCGI bytes, not a crash.
 * Loaded only after such a close, so a healthy request never reads /proc.
 */
import type { FcgiClientError } from '../../client/errors.js';
import { formatTarget, type Target } from '../../client/target.js';
import type { Finding } from '../../findings/finding.js';
import { isProbeError, type FileSystem, type ProcessInfo } from '../../system/index.js';
import { silentCloseCause } from './foreignProtocol.js';
import { listenerInodes, type ScriptAccessSystem } from './scriptAccess.js';

/** How a uWSGI socket option makes its socket speak. */
type UwsgiSocketKind = 'uwsgi' | 'fastcgi' | 'http' | 'other';

/** uWSGI's socket options (core/uwsgi.c's option table) and the protocol each one's socket speaks. */
const SOCKET_OPTIONS: Record<string, UwsgiSocketKind> = {
  socket: 'uwsgi',
  s: 'uwsgi',
  'uwsgi-socket': 'uwsgi',
  'shared-socket': 'other',
  'fastcgi-socket': 'fastcgi',
  'fastcgi-nph-socket': 'fastcgi',
  'http-socket': 'http',
  'https-socket': 'http',
  'scgi-socket': 'other',
  'scgi-nph-socket': 'other',
  'raw-socket': 'other',
  'suwsgi-socket': 'other',
  'puwsgi-socket': 'other',
};

export interface UwsgiSocket {
  option: string;
  kind: UwsgiSocketKind;
  address: string;
  /** where it was read: "the command line" or the ini file */
  from: string;
}

/** At most this many bytes of a uWSGI ini file are read: a configuration, not a data file. */
const MAX_INI_BYTES = 256 * 1024;

/** The socket options on a uWSGI command line and in the ini files it names. */
export function uwsgiSockets(cmdline: readonly string[], fs?: Pick<FileSystem, 'readHead'>): UwsgiSocket[] {
  const out: UwsgiSocket[] = [];
  for (let i = 1; i < cmdline.length; i++) {
    const arg = cmdline[i]!;
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m) {
      // `uwsgi app.ini`: a lone configuration file is loaded as if by --ini.
      if (fs && /\.ini$/.test(arg)) out.push(...iniSockets(arg, fs));
      continue;
    }
    const name = m[1]!;
    let value = m[2];
    if (value === undefined && (name === 'ini' || SOCKET_OPTIONS[name])) value = cmdline[++i];
    if (name === 'ini' && value !== undefined && fs) out.push(...iniSockets(value.replace(/:[^/]*$/, ''), fs));
    const kind = SOCKET_OPTIONS[name];
    if (kind && value !== undefined) out.push({ option: `--${name}`, kind, address: value, from: 'the command line' });
  }
  return out;
}

function iniSockets(path: string, fs: Pick<FileSystem, 'readHead'>): UwsgiSocket[] {
  const head = fs.readHead(path, MAX_INI_BYTES);
  if (isProbeError(head)) return [];
  const out: UwsgiSocket[] = [];
  let section = '';
  const lines = head.toString('utf8').split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    const s = /^\[([^\]]*)\]/.exec(line);
    if (s) {
      section = s[1]!;
      continue;
    }
    if (section !== 'uwsgi') continue;
    const kv = /^([a-z-]+)\s*=\s*(.*)$/.exec(line);
    const kind = kv && SOCKET_OPTIONS[kv[1]!];
    if (kv && kind) out.push({ option: `${kv[1]} =`, kind, address: kv[2]!.trim(), from: `${path}:${n + 1}` });
  }
  return out;
}

/** Whether a uWSGI socket address (`/run/app.sock`, `:9000`, `127.0.0.1:9000`, `0.0.0.0:9000`) is the target. */
export function sameAddress(address: string, target: Target): boolean {
  if (target.kind === 'unix') return address === target.path;
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m || Number(m[2]) !== target.port) return false;
  const host = m[1]!.replace(/^\[|\]$/g, '');
  return host === '' || host === '0.0.0.0' || host === '::' || host === '*' || host === target.host;
}

function holdersAt(system: ScriptAccessSystem, target: Target): ProcessInfo[] {
  const inodes = listenerInodes(system, target);
  if (typeof inodes === 'string') return [];
  const procs = new Map<number, ProcessInfo>();
  for (const inode of inodes) {
    for (const pid of system.sockets.holders(inode).pids) {
      const p = system.processes.get(pid);
      if (p) procs.set(pid, p);
    }
  }
  return [...procs.values()];
}

/**
 * The finding for a silent close, made precise when a uWSGI process with a
 * native socket at the target is found; otherwise the finding unchanged.
 */
export function explainSilentClose(
  finding: Finding,
  err: FcgiClientError,
  system: ScriptAccessSystem,
  target: Target,
): Finding {
  if (!silentCloseCause(err)) return finding;
  const uwsgi = holdersAt(system, target).find(
    (p) => /uwsgi/.test(p.comm) || /(^|\/)uwsgi[^/]*$/.test(p.cmdline[0] ?? ''),
  );
  if (!uwsgi) return finding;
  const socket = uwsgiSockets(uwsgi.cmdline, system.fs).find((s) => sameAddress(s.address, target));
  if (socket?.kind !== 'uwsgi') return finding;
  const where = formatTarget(target);
  const setting = `${socket.option} ${socket.address}`;
  return {
    id: 'backend-protocol-error',
    severity: 'error',
    title: "The backend is a uWSGI socket in uWSGI's own protocol, not FastCGI",
    message:
      `${where} is uWSGI's native socket (${setting}, ${socket.from}; uWSGI pid ${uwsgi.pid}): it speaks the uwsgi protocol, reads a FastCGI record as a request for modifier 1, ` +
      `logs "-- unavailable modifier requested: 1 --" and closes the connection without an answer.`,
    evidence: [
      ...finding.evidence,
      {
        kind: socket.from === 'the command line' ? 'probe' : 'config',
        text: `uWSGI pid ${uwsgi.pid} listens on ${where}: ${setting} (${socket.from})`,
      },
    ],
    fix:
      `Make uWSGI speak FastCGI there: fastcgi-socket = ${socket.address} (--fastcgi-socket) instead of ${socket.option.replace(/ =$/, '')}; ` +
      `or keep the uwsgi socket and proxy with its protocol: Apache ProxyPass … uwsgi://${target.kind === 'tcp' ? `${target.host}:${target.port}` : 'HOST:PORT'}/ (mod_proxy_uwsgi; a Unix socket as unix:${target.kind === 'unix' ? target.path : '/path'}|uwsgi://localhost/), nginx uwsgi_pass.`,
  };
}
