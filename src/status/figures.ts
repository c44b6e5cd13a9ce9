/**
 * PHP-FPM's status page as data: the pool figures and, with `full`, one entry
 * per worker. Parsed from `?json&full` (the usual answer) or from the plain
 * text page (`?full`), under camelCase names that are part of the JSON output.
 * Everything here came from the backend: it is untrusted text until a
 * reporter escapes it.
 */

export interface WorkerStatus {
  pid: number;
  /** "Idle", "Running", "Reading headers", "Finishing", "Ending"… as FPM says it */
  state: string;
  /** seconds since the worker started */
  startSince: number;
  requests: number;
  /** of the current request (or of the last one when idle), in microseconds as FPM counts it */
  requestDurationUs: number;
  requestMethod: string;
  requestUri: string;
  contentLength: number;
  user: string;
  script: string;
  /** percent of one CPU, of the last request */
  lastRequestCpu: number;
  /** bytes, of the last request */
  lastRequestMemory: number;
}

export interface PoolStatus {
  pool: string;
  processManager: string;
  /** epoch seconds */
  startTime: number;
  /** seconds since the pool (re)started */
  startSince: number;
  /** counter since start */
  acceptedConn: number;
  /** connections waiting for a worker now (TCP listeners only: 0 on a Unix socket) */
  listenQueue: number;
  /** highest listen queue since start */
  maxListenQueue: number;
  /** the configured backlog size, not a queue (0 on a Unix socket) */
  listenQueueLen: number;
  idleProcesses: number;
  /** includes the worker answering this status request */
  activeProcesses: number;
  totalProcesses: number;
  maxActiveProcesses: number;
  /** counter since start; a static pool never counts it */
  maxChildrenReached: number;
  /** counter since start; counted only when request_slowlog_timeout is set */
  slowRequests: number;
  /** only with `full` */
  processes?: WorkerStatus[];
}

export class StatusParseError extends Error {
  override name = 'StatusParseError';
}

const POOL_KEYS: Record<string, keyof PoolStatus> = {
  pool: 'pool',
  'process manager': 'processManager',
  'start time': 'startTime',
  'start since': 'startSince',
  'accepted conn': 'acceptedConn',
  'listen queue': 'listenQueue',
  'max listen queue': 'maxListenQueue',
  'listen queue len': 'listenQueueLen',
  'idle processes': 'idleProcesses',
  'active processes': 'activeProcesses',
  'total processes': 'totalProcesses',
  'max active processes': 'maxActiveProcesses',
  'max children reached': 'maxChildrenReached',
  'slow requests': 'slowRequests',
};

const WORKER_KEYS: Record<string, keyof WorkerStatus> = {
  pid: 'pid',
  state: 'state',
  'start since': 'startSince',
  requests: 'requests',
  'request duration': 'requestDurationUs',
  'request method': 'requestMethod',
  'request uri': 'requestUri',
  'content length': 'contentLength',
  user: 'user',
  script: 'script',
  'last request cpu': 'lastRequestCpu',
  'last request memory': 'lastRequestMemory',
};

const STRING_FIELDS = new Set<string>(['pool', 'processManager', 'state', 'requestMethod', 'requestUri', 'user', 'script']);
/** The figures a status page must have; the rest default to 0 (older versions lack some). */
const REQUIRED: (keyof PoolStatus)[] = ['pool', 'processManager', 'acceptedConn', 'idleProcesses', 'activeProcesses', 'totalProcesses'];

function toNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : 0;
}

function fill<T>(keys: Record<string, string>, source: Iterable<[string, unknown]>): Partial<T> & Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of source) {
    const name = keys[rawKey.trim().toLowerCase()];
    if (!name) continue;
    out[name] = STRING_FIELDS.has(name) ? String(value ?? '') : toNumber(value);
  }
  return out as Partial<T> & Record<string, unknown>;
}

function complete(p: Record<string, unknown>, processes: WorkerStatus[] | undefined): PoolStatus {
  const missing = REQUIRED.filter((k) => p[k] === undefined);
  if (missing.length > 0) throw new StatusParseError(`not a PHP-FPM status page: no ${missing.map((k) => `"${Object.keys(POOL_KEYS).find((x) => POOL_KEYS[x] === k)}"`).join(', ')}`);
  const num = (k: keyof PoolStatus) => (typeof p[k] === 'number' ? (p[k] as number) : 0);
  const status: PoolStatus = {
    pool: String(p.pool),
    processManager: String(p.processManager),
    startTime: num('startTime'),
    startSince: num('startSince'),
    acceptedConn: num('acceptedConn'),
    listenQueue: num('listenQueue'),
    maxListenQueue: num('maxListenQueue'),
    listenQueueLen: num('listenQueueLen'),
    idleProcesses: num('idleProcesses'),
    activeProcesses: num('activeProcesses'),
    totalProcesses: num('totalProcesses'),
    maxActiveProcesses: num('maxActiveProcesses'),
    maxChildrenReached: num('maxChildrenReached'),
    slowRequests: num('slowRequests'),
  };
  if (processes) status.processes = processes;
  return status;
}

function worker(w: Record<string, unknown>): WorkerStatus {
  return {
    pid: toNumber(w.pid),
    state: typeof w.state === 'string' ? w.state : '',
    startSince: toNumber(w.startSince),
    requests: toNumber(w.requests),
    requestDurationUs: toNumber(w.requestDurationUs),
    requestMethod: typeof w.requestMethod === 'string' ? w.requestMethod : '',
    requestUri: typeof w.requestUri === 'string' ? w.requestUri : '',
    contentLength: toNumber(w.contentLength),
    user: typeof w.user === 'string' ? w.user : '',
    script: typeof w.script === 'string' ? w.script : '',
    lastRequestCpu: toNumber(w.lastRequestCpu),
    lastRequestMemory: toNumber(w.lastRequestMemory),
  };
}

/** `?json` or `?json&full`. Throws StatusParseError when the text is not FPM's JSON. */
export function parseStatusJson(text: string): PoolStatus {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StatusParseError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new StatusParseError('not a JSON object');
  const obj = data as Record<string, unknown>;
  const pool = fill<PoolStatus>(POOL_KEYS, Object.entries(obj));
  let processes: WorkerStatus[] | undefined;
  if (Array.isArray(obj.processes)) {
    processes = obj.processes
      .filter((w): w is Record<string, unknown> => typeof w === 'object' && w !== null)
      .map((w) => worker(fill<WorkerStatus>(WORKER_KEYS, Object.entries(w))));
  }
  return complete(pool, processes);
}

/** The plain page (`?full` or none): "key: value" lines, workers after "*****" separators. */
export function parseStatusText(text: string): PoolStatus {
  const blocks = text.split(/^\*{3,}\s*$/m);
  const lines = (block: string): [string, string][] =>
    block
      .split(/\r?\n/)
      .map((l) => /^([a-zA-Z][a-zA-Z ]*?):\s*(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] ?? '', (m[2] ?? '').trim()]);
  const head = lines(blocks[0] ?? '');
  // The plain page writes the start time as a date; the JSON one as epoch seconds.
  const pool = fill<PoolStatus>(POOL_KEYS, head.filter(([k]) => k.toLowerCase() !== 'start time'));
  const start = head.find(([k]) => k.toLowerCase() === 'start time')?.[1];
  if (start !== undefined) pool.startTime = /^\d+$/.test(start) ? Number(start) : parseFpmDate(start);
  const rest = blocks.slice(1).map((b) => worker(fill<WorkerStatus>(WORKER_KEYS, lines(b)))).filter((w) => w.pid > 0);
  return complete(pool, blocks.length > 1 ? rest : undefined);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "26/Nov/2026:10:47:29 +0000" → epoch seconds (0 when unreadable). */
export function parseFpmDate(text: string): number {
  const m = /^(\d{1,2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text.trim());
  if (!m) return 0;
  const month = MONTHS.indexOf(m[2] ?? '');
  if (month < 0) return 0;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}

/** Either form: JSON first, the plain page when the text is not JSON. */
export function parseStatusPage(text: string): { status: PoolStatus; format: 'json' | 'text' } {
  const t = text.trimStart();
  if (t.startsWith('{')) return { status: parseStatusJson(t), format: 'json' };
  return { status: parseStatusText(text), format: 'text' };
}
