/**
 * What `nginx -t` refuses about the FastCGI buffer sizes once the configuration
 * is read: ngx_http_fastcgi_module.c ngx_http_fastcgi_merge_loc_conf merges
 * every level (each server into http, each location and `if` into its parent),
 * the unset sizes taking their defaults (fastcgi_buffer_size one page,
 * fastcgi_buffers 8 pages, fastcgi_busy_buffers_size twice the larger of
 * fastcgi_buffer_size and one buffer), and stops at the first level where
 * - fewer than 2 fastcgi_buffers are set;
 * - the busy size is below that larger size;
 * - the busy size is above all buffers but one: `fastcgi_buffer_size 16k;`
 *   alone is 32k busy against 7 × 4k.
 * The merge runs after the http block is read, so nginx names the line of the
 * http block's closing `}` (cf->conf_file->line at that moment), not the
 * directive: the finding quotes the sizes in effect and where they are set.
 * Kept here rather than in the reader (src/nginx/), which only parses.
 */
import type { NginxDirective, NginxIssue } from '../../nginx/index.js';
import type { Level, NginxModel } from '../../routing/nginx/config.js';
import { directiveText } from './levels.js';
import { nginxSize } from './headerBuffer.js';

/** ngx_pagesize on the platforms nginx ships for (x86_64, arm64 with 4k pages). */
const PAGE = 4096;

/** An issue nginx reports, with the statements that make it (for evidence). */
export interface NginxMergeIssue {
  issue: NginxIssue;
  causes: NginxDirective[];
  /** The level's sizes in effect, for the fix. */
  sizes: { bufferSize: number; bufsNum: number; bufsSize: number; busy: number; busySet: boolean };
}

/** The directive in effect at a level (nginx's merge: the innermost level that sets it). */
function inEffect(level: Level, name: string): NginxDirective | undefined {
  for (let l: Level | null = level; l; l = l.parent) {
    const d = l.body.findLast((x) => x.name === name);
    if (d) return d;
  }
  return undefined;
}

function levelIssue(level: Level): (Omit<NginxMergeIssue, 'issue'> & { message: string }) | undefined {
  const bufferSize = inEffect(level, 'fastcgi_buffer_size');
  const bufs = inEffect(level, 'fastcgi_buffers');
  const busySet = inEffect(level, 'fastcgi_busy_buffers_size');
  const bs = bufferSize ? nginxSize(bufferSize.args[0] ?? '') : PAGE;
  const num = bufs ? Number(bufs.args[0]) : 8;
  const bufsSize = bufs ? nginxSize(bufs.args[1] ?? '') : PAGE;
  const busyConf = busySet ? nginxSize(busySet.args[0] ?? '') : undefined;
  // A value nginx itself rejects while reading is the reader's issue, not the merge's.
  if (bs === undefined || bufsSize === undefined || !Number.isInteger(num) || (busySet && busyConf === undefined))
    return undefined;
  const causes = [bufferSize, bufs, busySet].filter((d): d is NginxDirective => d !== undefined);
  const size = Math.max(bs, bufsSize);
  const busy = busyConf ?? 2 * size;
  const sizes = { bufferSize: bs, bufsNum: num, bufsSize, busy, busySet: busySet !== undefined };
  if (num < 2) return { message: 'there must be at least 2 "fastcgi_buffers"', causes, sizes };
  if (busy < size)
    return {
      message:
        '"fastcgi_busy_buffers_size" must be equal to or greater than the maximum of the value of "fastcgi_buffer_size" and one of the "fastcgi_buffers"',
      causes,
      sizes,
    };
  if (busy > (num - 1) * bufsSize)
    return {
      message: '"fastcgi_busy_buffers_size" must be less than the size of all "fastcgi_buffers" minus one buffer',
      causes,
      sizes,
    };
  return undefined;
}

/** The levels in nginx's merge order: each server, then its locations (nested ones and `if`s after their parent). */
function* mergeOrder(model: NginxModel): Generator<Level> {
  const withIfs = function* (level: Level): Generator<Level> {
    yield level;
    for (const l of level.ifs?.values() ?? []) yield* withIfs(l);
  };
  const locations = function* (ls: NginxModel['servers'][number]['locations']): Generator<Level> {
    for (const l of ls) {
      yield* withIfs(l.level);
      yield* locations(l.nested);
    }
  };
  for (const s of model.servers) {
    yield* withIfs(s.level);
    yield* locations(s.locations);
  }
}

/** Whether any level sets a size the merge checks (most configurations set none: nothing to walk). */
function setsAny(model: NginxModel): boolean {
  const names = new Set(['fastcgi_buffer_size', 'fastcgi_buffers', 'fastcgi_busy_buffers_size']);
  const stack = [...model.http.body];
  while (stack.length > 0) {
    const d = stack.pop() as NginxDirective;
    if (names.has(d.name)) return true;
    if (d.block) stack.push(...d.block);
  }
  return false;
}

/** The first buffer-size refusal of the merge (nginx stops there), or undefined. */
export function fastcgiBufferMergeIssue(model: NginxModel): NginxMergeIssue | undefined {
  if (!setsAny(model)) return undefined;
  const httpAt = model.http.at;
  for (const level of mergeOrder(model)) {
    const found = levelIssue(level);
    if (!found) continue;
    // nginx's line: the http block's closing brace; without an http block, the level's own directive.
    const file = httpAt?.file ?? level.at?.file ?? found.causes[0]?.file ?? '';
    const line = httpAt?.endLine ?? level.at?.line ?? found.causes[0]?.line;
    return {
      issue: {
        severity: 'emerg',
        message: found.message,
        file,
        ...(line !== undefined ? { line } : {}),
        includedFrom: httpAt?.includedFrom ?? [],
      },
      causes: found.causes,
      sizes: found.sizes,
    };
  }
  return undefined;
}

/** Evidence and fix for the finding: the sizes in effect and what makes them agree. */
export function bufferMergeDetails(m: NginxMergeIssue): { evidence: string[]; fix: string } {
  const { bufferSize, bufsNum, bufsSize, busy, busySet } = m.sizes;
  const k = (n: number) => (n % 1024 === 0 ? `${n / 1024}k` : `${n}`);
  const evidence = [
    ...m.causes.map(directiveText),
    `in effect: fastcgi_buffer_size ${k(bufferSize)}, fastcgi_buffers ${bufsNum} ${k(bufsSize)}, fastcgi_busy_buffers_size ${k(busy)}${busySet ? '' : ' (the default: twice the larger of the two sizes)'}`,
  ];
  const size = Math.max(bufferSize, bufsSize);
  // Enough buffers of the larger size that the default busy size (2 × size) stays below all but one.
  const fix =
    bufsNum < 2
      ? `Set at least 2 buffers (fastcgi_buffers 8 ${k(bufsSize)};), then run "nginx -t" and reload nginx.`
      : `Give nginx enough buffers for the header buffer: next to fastcgi_buffer_size, set "fastcgi_buffers 8 ${k(size)};"${busySet ? ` and a fastcgi_busy_buffers_size between ${k(size)} and ${k(7 * size)}` : ''} (busy buffers may be at most all fastcgi_buffers but one, and at least the larger of fastcgi_buffer_size and one buffer); then run "nginx -t" and reload nginx.`;
  return { evidence, fix };
}
