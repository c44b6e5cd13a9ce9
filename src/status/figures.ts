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
  /**
   * Set when the page has the shape of a status page but a value no PHP-FPM
   * writes (an array, a negative count, 1e999): the field, as the page names it.
   */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.field = field;
  }
}

/**
 * What PHP-FPM writes in each field (fpm_status.c): counts with %d, %u, %lu or
 * %zu (whole numbers, never negative: FPM answers 500 rather than print a
 * negative idle or active count), strings in quotes, the process manager's
 * name, the CPU share with %.2f. Anything else did not come from PHP-FPM.
 */
type FieldKind = 'string' | 'pm' | 'count' | 'pid' | 'decimal';
type Field<K> = { name: K; kind: FieldKind };

const POOL_FIELDS = new Map<string, Field<keyof PoolStatus>>([
  ['pool', { name: 'pool', kind: 'string' }],
  ['process manager', { name: 'processManager', kind: 'pm' }],
  ['start time', { name: 'startTime', kind: 'count' }],
  ['start since', { name: 'startSince', kind: 'count' }],
  ['accepted conn', { name: 'acceptedConn', kind: 'count' }],
  ['listen queue', { name: 'listenQueue', kind: 'count' }],
  ['max listen queue', { name: 'maxListenQueue', kind: 'count' }],
  ['listen queue len', { name: 'listenQueueLen', kind: 'count' }],
  ['idle processes', { name: 'idleProcesses', kind: 'count' }],
  ['active processes', { name: 'activeProcesses', kind: 'count' }],
  ['total processes', { name: 'totalProcesses', kind: 'count' }],
  ['max active processes', { name: 'maxActiveProcesses', kind: 'count' }],
  ['max children reached', { name: 'maxChildrenReached', kind: 'count' }],
  ['slow requests', { name: 'slowRequests', kind: 'count' }],
]);

const WORKER_FIELDS = new Map<string, Field<keyof WorkerStatus>>([
  ['pid', { name: 'pid', kind: 'pid' }],
  ['state', { name: 'state', kind: 'string' }],
  ['start since', { name: 'startSince', kind: 'count' }],
  ['requests', { name: 'requests', kind: 'count' }],
  ['request duration', { name: 'requestDurationUs', kind: 'count' }],
  ['request method', { name: 'requestMethod', kind: 'string' }],
  ['request uri', { name: 'requestUri', kind: 'string' }],
  ['content length', { name: 'contentLength', kind: 'count' }],
  ['user', { name: 'user', kind: 'string' }],
  ['script', { name: 'script', kind: 'string' }],
  ['last request cpu', { name: 'lastRequestCpu', kind: 'decimal' }],
  ['last request memory', { name: 'lastRequestMemory', kind: 'count' }],
]);

const PROCESS_MANAGERS = new Set(['static', 'dynamic', 'ondemand']);
/** The figures a status page must have; the other counts default to 0 (FPM built without listen queue support lacks those). */
const REQUIRED = ['pool', 'process manager', 'accepted conn', 'idle processes', 'active processes', 'total processes'];

const WANTED: Record<FieldKind, string> = {
  string: 'a string',
  pm: 'static, dynamic or ondemand',
  count: 'a whole number of 0 or more',
  pid: 'a process id (a whole number above 0)',
  decimal: 'a number of 0 or more',
};

/** A short, printable picture of a value from the page, for the evidence: the page is untrusted. */
export function valuePreview(v: unknown): string {
  let text: string;
  if (typeof v === 'number') text = String(v);
  else if (v === undefined) text = 'missing';
  else {
    try {
      text = JSON.stringify(v) ?? String(v);
    } catch {
      text = String(v);
    }
  }
  if (text.length > 40) text = `${text.slice(0, 40)}…`;
  // JSON.stringify escapes C0 controls; these it leaves raw.
  return text.replace(
    /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function invalid(where: string, v: unknown, kind: FieldKind): StatusParseError {
  return new StatusParseError(`${where} is ${valuePreview(v)}, not ${WANTED[kind]}`, where);
}

/** A JSON value checked against what FPM writes there. */
function jsonValue(kind: FieldKind, v: unknown, where: string): string | number {
  switch (kind) {
    case 'string':
      if (typeof v === 'string') return v;
      break;
    case 'pm':
      if (typeof v === 'string' && PROCESS_MANAGERS.has(v)) return v;
      break;
    case 'count':
    case 'pid':
      // -0 + 0 is 0: a page may write -0, which is 0.
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= (kind === 'pid' ? 1 : 0)) return v + 0;
      break;
    case 'decimal':
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v + 0;
      break;
  }
  throw invalid(where, v, kind);
}

/** A value of the plain page (always text) checked the same way. */
function textValue(kind: FieldKind, v: string, where: string): string | number {
  if (kind === 'string' || kind === 'pm') return jsonValue(kind, v, where);
  const pattern = kind === 'decimal' ? /^\d{1,15}(\.\d{1,15})?$/ : /^\d{1,16}$/;
  if (!pattern.test(v)) throw invalid(where, v, kind);
  return jsonValue(kind, Number(v), where);
}

const label = (key: string, prefix: string) => `${prefix}"${key}"`;

/** The known fields of one object of the page, checked; unknown keys (other versions add some) are left out. */
function collect<K extends string>(
  fields: Map<string, Field<K>>,
  source: Iterable<[string, unknown]>,
  read: (kind: FieldKind, v: unknown, where: string) => string | number,
  prefix = '',
): Map<K, string | number> {
  const out = new Map<K, string | number>();
  for (const [rawKey, value] of source) {
    const key = rawKey.trim().toLowerCase();
    const field = fields.get(key);
    if (field) out.set(field.name, read(field.kind, value, label(key, prefix)));
  }
  return out;
}

/**
 * A status page has the pool figures: without them the text is something else
 * (and is said so before any value is judged: `{"processes": 5}` is not a
 * status page, rather than a status page with a bad list).
 */
function requireShape(keys: Iterable<string>): void {
  const present = new Set<string>();
  for (const k of keys) present.add(k.trim().toLowerCase());
  const missing = REQUIRED.filter((key) => !present.has(key));
  if (missing.length > 0)
    throw new StatusParseError(`not a PHP-FPM status page: no ${missing.map((k) => `"${k}"`).join(', ')}`);
}

function complete(p: Map<keyof PoolStatus, string | number>, processes: WorkerStatus[] | undefined): PoolStatus {
  const num = (k: keyof PoolStatus) => {
    const v = p.get(k);
    return typeof v === 'number' ? v : 0;
  };
  const status: PoolStatus = {
    pool: String(p.get('pool')),
    processManager: String(p.get('processManager')),
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
  // FPM prints "total processes" as idle + active: a page where they disagree was not written by it.
  if (status.idleProcesses + status.activeProcesses !== status.totalProcesses) {
    throw new StatusParseError(
      `"total processes" is ${status.totalProcesses}, not "idle processes" ${status.idleProcesses} + "active processes" ${status.activeProcesses} as PHP-FPM counts it`,
      '"total processes"',
    );
  }
  if (processes) status.processes = processes;
  return status;
}

function worker(w: Map<keyof WorkerStatus, string | number>, where: string): WorkerStatus {
  const num = (k: keyof WorkerStatus) => {
    const v = w.get(k);
    return typeof v === 'number' ? v : 0;
  };
  const str = (k: keyof WorkerStatus) => {
    const v = w.get(k);
    return typeof v === 'string' ? v : '';
  };
  if (!w.has('pid')) throw new StatusParseError(`${where} has no "pid"`, `${where}"pid"`);
  return {
    pid: num('pid'),
    state: str('state'),
    startSince: num('startSince'),
    requests: num('requests'),
    requestDurationUs: num('requestDurationUs'),
    requestMethod: str('requestMethod'),
    requestUri: str('requestUri'),
    contentLength: num('contentLength'),
    user: str('user'),
    script: str('script'),
    lastRequestCpu: num('lastRequestCpu'),
    lastRequestMemory: num('lastRequestMemory'),
  };
}

/**
 * `?json` or `?json&full`. Throws StatusParseError when the text is not FPM's
 * JSON, with `field` set when a value is not what FPM writes there.
 */
export function parseStatusJson(text: string): PoolStatus {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StatusParseError(`not JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new StatusParseError('not a JSON object');
  const obj = data as Record<string, unknown>;
  requireShape(Object.keys(obj));
  const pool = collect(POOL_FIELDS, Object.entries(obj), jsonValue);
  let processes: WorkerStatus[] | undefined;
  if (Object.hasOwn(obj, 'processes')) {
    const list = obj.processes;
    if (!Array.isArray(list))
      throw new StatusParseError(`"processes" is ${valuePreview(list)}, not a list of workers`, '"processes"');
    processes = list.map((w: unknown, i) => {
      const where = `"processes"[${i}]`;
      if (typeof w !== 'object' || w === null || Array.isArray(w))
        throw new StatusParseError(`${where} is ${valuePreview(w)}, not a worker's figures`, where);
      return worker(collect(WORKER_FIELDS, Object.entries(w), jsonValue, `${where} `), `${where} `);
    });
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
  requireShape(head.map(([k]) => k));
  const asText = (kind: FieldKind, v: unknown, where: string) => textValue(kind, String(v), where);
  // The plain page writes the start time as a date; the JSON one as epoch seconds.
  const pool = collect(
    POOL_FIELDS,
    head.filter(([k]) => k.toLowerCase() !== 'start time'),
    asText,
  );
  const start = head.find(([k]) => k.toLowerCase() === 'start time')?.[1];
  if (start !== undefined)
    pool.set('startTime', /^\d+$/.test(start) ? textValue('count', start, '"start time"') : parseFpmDate(start));
  const rest = blocks.slice(1).map((b, i) => {
    const where = `worker ${i + 1} `;
    return worker(collect(WORKER_FIELDS, lines(b), asText, where), where);
  });
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
