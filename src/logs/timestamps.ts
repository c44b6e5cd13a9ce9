/**
 * Turns the timestamps of the log envelopes into Dates. Web servers write local time
 * without a zone (Apache, nginx, PHP-FPM), so local time it is.
 */
const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

function local(y: number, mon: number | undefined, d: number, time: string): Date | undefined {
  if (mon === undefined) return undefined;
  const [h = 0, mi = 0, s = 0] = time.split(':').map(Number);
  const whole = Math.floor(s);
  const date = new Date(y, mon, d, h, mi, whole, Math.round((s - whole) * 1000));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Apache 2.2/2.4: `Wed Dec 16 20:56:34.176363 2020` (microseconds only in 2.4). */
export function parseApacheTime(text: string): Date | undefined {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) +(\d{1,2}) ([\d:.]+) (\d{4})$/.exec(text);
  return m ? local(Number(m[4]), MONTHS[m[1] ?? ''], Number(m[2]), m[3] ?? '') : undefined;
}

/** PHP-FPM: `15-Sep-2023 11:20:19` or `04-Jan-2016 20:49:43.599789`. */
export function parseFpmTime(text: string): Date | undefined {
  const m = /^(\d{2})-([A-Z][a-z]{2})-(\d{4}) ([\d:.]+)$/.exec(text);
  return m ? local(Number(m[3]), MONTHS[m[2] ?? ''], Number(m[1]), m[4] ?? '') : undefined;
}

/** nginx `2024/01/31 10:00:00`, lighttpd `2018-10-30 11:07:17`. */
export function parseNumericTime(text: string): Date | undefined {
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T]([\d:.]+)$/.exec(text);
  return m ? local(Number(m[1]), Number(m[2]) - 1, Number(m[3]), m[4] ?? '') : undefined;
}

/** syslog `Jan  5 10:00:00` has no year: the latest such date not in the future. */
export function parseSyslogTime(text: string, now: Date = new Date()): Date | undefined {
  const m = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)$/.exec(text);
  if (!m) return undefined;
  const year = now.getFullYear();
  const d = local(year, MONTHS[m[1] ?? ''], Number(m[2]), m[3] ?? '');
  if (d && d.getTime() > now.getTime() + 86_400_000) d.setFullYear(year - 1);
  return d;
}

/** RFC 3339 as written by docker, journald (`-o short-iso`) and Kubernetes. */
export function parseIsoTime(text: string): Date | undefined {
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: a duration back from now (`45s`, `30m`, `2h`, `7d`, `1w`) or a date
 * (`2026-11-20`, local midnight; or any ISO date-time).
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const duration = /^(\d+)\s*([smhdw])$/.exec(text);
  if (duration) {
    const d = new Date(now.getTime() - Number(duration[1]) * (UNITS[duration[2] ?? ''] ?? 0));
    // Past what a date can hold (about 273,000 years): an invalid date would silently match no line.
    if (Number.isNaN(d.getTime())) throw new Error(`--since ${text} reaches further back than a date can`);
    return d;
  }
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const d = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (!Number.isNaN(d.getTime()) && d.getMonth() === Number(day[2]) - 1) return d;
  } else if (/^\d{4}-\d{2}-\d{2}[T ]\d/.test(text)) {
    const d = parseIsoTime(text.replace(' ', 'T'));
    if (d) return d;
  }
  throw new Error(`invalid --since value "${value}": use a duration such as 30m, 2h, 7d or a date such as 2026-11-20`);
}
