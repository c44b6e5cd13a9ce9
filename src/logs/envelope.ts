import { parseApacheTime, parseFpmTime, parseIsoTime, parseNumericTime, parseSyslogTime } from './timestamps.js';

/** What the envelope of one log line says, and the message it wraps. */
export interface Envelope {
  format: 'apache24' | 'apache22' | 'php-fpm' | 'nginx' | 'lighttpd' | 'plain';
  timestamp?: Date;
  level?: string;
  module?: string;
  /** `1234` or `1234:140089` (pid:tid): with the client, it ties a consequence line to its cause. */
  pid?: string;
  client?: string;
  /** The text rules match: errno part kept (`(13)Permission denied: …`), `[client …]` and referer left out. */
  message: string;
  /** The container prefix (`php_1  | `), repeated by docker on every continuation line. */
  prefix?: string;
}

// Outer wrappers, tried in this order; each may be absent.
const COMPOSE = /^[A-Za-z0-9][\w.-]{0,62} {0,30}\| /;
const CRI = /^(\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)) (?:(?:stdout|stderr) [FP] )?/;
const SYSLOG =
  /^(?:<\d{1,3}>\d? ?)?([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:?\d\d)?) [^\s]{1,255} [^\s:[]{1,64}(?:\[(\d+)\])?: /;

// Inner envelopes. The Apache 2.4 timestamp is optional: with `ErrorLog syslog` it is gone.
const APACHE24 =
  /^(?:[^\s[]{1,255} )?(?:\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:.]+ \d{4})\] )?\[([\w-]*):(\w+)\] \[pid (\d+)(?::tid (\d+))?\] /;
const APACHE22 = /^(?:[^\s[]{1,255} )?\[([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4})\] \[(\w+)\] /;
const FPM = /^\[(\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d(?:\.\d+)?)\] ([A-Z]+): (?:pid (\d+), \w+\(\), line \d+: )?/;
/**
 * The head of one entry of a pool's slowlog (php-src sapi/fpm/fpm/fpm_php_trace.c:
 * fpm_php_trace writes "\n[date]  [pool NAME] pid PID\n", then "script_filename = …"
 * and one "[0x…] function() file:line" per frame): no level, two spaces.
 */
const FPM_SLOWLOG =
  /^\[(\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d)\] {1,2}(?=\[pool [^\]\n]{1,256}\] pid (\d+)[ \t\r]*(?:\n|$))/;
const FPM_SYSLOG = /^\[(DEBUG|NOTICE|WARNING|ERROR|ALERT)\] (?:pid (\d+), )?(?:\w+\(\), line \d+: )?/;
const NGINX = /^(\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d) \[(\w+)\] (\d+)#(\d+): (?:\*\d+ )?/;
const LIGHTTPD = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d): \([\w.-]+\.c\.\d+\) /;

const APACHE_SOURCE = /^[\w.-]+\(\d+\): /;
const APACHE_ERRNO = /^\(-?\d+\)[^:]{1,80}: /;
const APACHE_CLIENT = /^\[(?:client|remote) ([^\]]{1,300})\] ?/;
const NGINX_CLIENT = /, client: ([^,]{1,300}), /;

export function parseEnvelope(line: string): Envelope {
  let rest = line;
  let prefix: string | undefined;
  let outerTime: Date | undefined;
  let outerPid: string | undefined;

  const compose = COMPOSE.exec(rest);
  if (compose) {
    prefix = compose[0];
    rest = rest.slice(prefix.length);
  }
  const cri = CRI.exec(rest);
  if (cri) {
    outerTime = parseIsoTime(cri[1] ?? '');
    rest = rest.slice(cri[0].length);
  }
  const syslog = SYSLOG.exec(rest);
  if (syslog) {
    const ts = syslog[1] ?? '';
    outerTime = ts.includes('T') ? parseIsoTime(ts) : parseSyslogTime(ts);
    outerPid = syslog[2];
    rest = rest.slice(syslog[0].length);
  }

  const env = parseInner(rest);
  if (prefix !== undefined) env.prefix = prefix;
  if (env.timestamp === undefined && outerTime !== undefined) env.timestamp = outerTime;
  if (env.pid === undefined && outerPid !== undefined) env.pid = outerPid;
  return env;
}

function parseInner(text: string): Envelope {
  let m = APACHE24.exec(text);
  if (m) {
    const env: Envelope = {
      format: 'apache24',
      level: m[3],
      module: m[2],
      pid: m[5] ? `${m[4]}:${m[5]}` : m[4],
      message: '',
    };
    if (m[1]) env.timestamp = parseApacheTime(m[1]);
    let rest = text.slice(m[0].length);
    const src = APACHE_SOURCE.exec(rest);
    if (src) rest = rest.slice(src[0].length);
    // The errno part comes before `[client …]` in 2.4; keep it next to the message,
    // where 2.2 writes it, so that one pattern fits both.
    const errno = APACHE_ERRNO.exec(rest);
    if (errno) rest = rest.slice(errno[0].length);
    const client = APACHE_CLIENT.exec(rest);
    if (client) {
      env.client = client[1];
      rest = rest.slice(client[0].length);
    }
    env.message = stripReferer((errno ? errno[0] : '') + rest);
    return env;
  }
  m = APACHE22.exec(text);
  if (m) {
    const env: Envelope = { format: 'apache22', timestamp: parseApacheTime(m[1] ?? ''), level: m[2], message: '' };
    let rest = text.slice(m[0].length);
    const client = APACHE_CLIENT.exec(rest);
    if (client) {
      env.client = client[1];
      rest = rest.slice(client[0].length);
    }
    env.message = stripReferer(rest);
    return env;
  }
  m = NGINX.exec(text);
  if (m) {
    const message = text.slice(m[0].length);
    const env: Envelope = {
      format: 'nginx',
      timestamp: parseNumericTime(m[1] ?? ''),
      level: m[2],
      pid: `${m[3]}:${m[4]}`,
      message,
    };
    const client = NGINX_CLIENT.exec(message);
    if (client) env.client = client[1];
    return env;
  }
  m = FPM_SLOWLOG.exec(text);
  if (m)
    return {
      format: 'php-fpm',
      level: 'slowlog',
      timestamp: parseFpmTime(m[1] ?? ''),
      pid: m[2] ?? '',
      // The head alone, or (a whole entry given at once, as `rules` examples are) the entry.
      message: text.slice(m[0].length),
    };
  m = FPM.exec(text) ?? FPM_SYSLOG.exec(text);
  if (m) {
    const isPlain = m[0].startsWith('[') && /^\[\d/.test(m[0]);
    const env: Envelope = {
      format: 'php-fpm',
      level: (isPlain ? m[2] : m[1])?.toLowerCase(),
      message: text.slice(m[0].length),
    };
    if (isPlain) env.timestamp = parseFpmTime(m[1] ?? '');
    const pid = isPlain ? m[3] : m[2];
    if (pid) env.pid = pid;
    return env;
  }
  m = LIGHTTPD.exec(text);
  if (m) return { format: 'lighttpd', timestamp: parseNumericTime(m[1] ?? ''), message: text.slice(m[0].length) };
  return { format: 'plain', message: text };
}

function stripReferer(message: string): string {
  const i = message.lastIndexOf(', referer: ');
  return i >= 0 ? message.slice(0, i) : message;
}

/**
 * Records that span several physical lines: nginx's `FastCGI sent in stderr: "…"` with the
 * app's real newlines, and an entry of PHP-FPM's slowlog (its head, then the script and the stack).
 */
export type MultilineKind = 'nginx-stderr' | 'fpm-slowlog';

/** Whether this line opens a multi-line record, and which. */
export function opensMultiline(env: Envelope): MultilineKind | undefined {
  if (env.format === 'php-fpm')
    return env.level === 'slowlog' && !env.message.includes('\n') ? 'fpm-slowlog' : undefined;
  if (env.format !== 'nginx') return undefined;
  const at = env.message.indexOf('FastCGI sent in stderr: "');
  return at >= 0 && !closesMultiline(env.message.slice(at + 25)) ? 'nginx-stderr' : undefined;
}

/** The end of nginx's stderr record: the closing quote, then the context nginx appends. */
export function closesMultiline(text: string): boolean {
  return /" while [a-z ]{1,60}(?:, client: |$)|", client: /.test(text);
}

/** A slowlog entry ends at the blank line FPM writes before the next one. */
export function endsSlowlogEntry(line: string): boolean {
  return line.trim() === '';
}

/** A physical line that starts a new record ends a pending multi-line one without joining it. */
export function startsRecord(line: string): boolean {
  return /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[|\[[A-Z][a-z]{2} [A-Z][a-z]{2} |\[\d\d-[A-Z][a-z]{2}-\d{4} |[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d |\d{4}-\d\d-\d\dT\d\d:)/.test(
    line,
  );
}
