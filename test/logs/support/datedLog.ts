import { closeSync, openSync, writeSync } from 'node:fs';

/** Log lines in the envelopes the scanner reads, at a given local time (web servers write local time). */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');

export function apacheTime(d: Date): string {
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.000000 ${d.getFullYear()}`;
}

export function nginxTime(d: Date): string {
  return `${d.getFullYear()}/${p2(d.getMonth() + 1)}/${p2(d.getDate())} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

export function fpmTime(d: Date): string {
  return `${p2(d.getDate())}-${MONTHS[d.getMonth()]}-${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** proxy-fcgi-primary-script-unknown: the error an old log is full of. */
export const scriptUnknown = (d: Date, port = 52210): string =>
  `[${apacheTime(d)}] [proxy_fcgi:error] [pid 2235:tid 140523] [client 192.0.2.10:${port}] AH01071: Got error 'Primary script unknown\\n'`;

/** proxy-fcgi-socket-missing: today's error, at the very end of the log. */
export const socketMissing = (d: Date, socket = '/run/php/php8.2-fpm.sock'): string =>
  `[${apacheTime(d)}] [proxy:error] [pid 2235:tid 140523] (2)No such file or directory: AH02454: FCGI: attempt to connect to Unix domain socket ${socket} (*) failed`;

export const apacheNoise = (d: Date): string =>
  `[${apacheTime(d)}] [core:notice] [pid 1024:tid 140523] AH00094: Command line: '/usr/sbin/apache2'`;

export interface BigLogSpec {
  path: string;
  bytes: number;
  /** Times of the old lines run from `from` to `to`, increasing, equal within each piece. */
  from: Date;
  to: Date;
  /** Lines appended after the old part. */
  tail: string[];
  /** The old lines (default: Primary script unknown, each one a candidate the scanner must parse). */
  oldLine?: (d: Date, i: number) => string;
}

/**
 * Writes a log of about `bytes` (1 MiB pieces, each of one time: many equal times, as a
 * busy server writes), then the tail. Memory: one piece at a time.
 */
export function writeBigLog(spec: BigLogSpec): void {
  const piece = 1024 * 1024;
  const pieces = Math.max(1, Math.round(spec.bytes / piece));
  const oldLine = spec.oldLine ?? ((d: Date) => scriptUnknown(d));
  const fd = openSync(spec.path, 'w');
  try {
    const span = spec.to.getTime() - spec.from.getTime();
    for (let i = 0; i < pieces; i += 1) {
      const line = `${oldLine(new Date(spec.from.getTime() + Math.floor((span * i) / pieces)), i)}\n`;
      writeSync(fd, line.repeat(Math.ceil(piece / line.length)));
    }
    writeSync(fd, spec.tail.map((l) => `${l}\n`).join(''));
  } finally {
    closeSync(fd);
  }
}
