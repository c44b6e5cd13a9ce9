/**
 * The project file `.fcgi-doctor.yaml`: its `ignore:` entries, validated with
 * file:line in every complaint (a typo must not silently suppress nothing, or
 * everything). Loaded only when such a file exists.
 *
 *   ignore:
 *     - id: socket-in-private-tmp
 *       reason: this host runs Apache without systemd, so /tmp is shared
 *       path: sites-available/*.conf     # optional: glob of the finding's file
 *       setup: "fastcgi:external:*"      # optional: glob of the setup id
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { fnmatchToRegex } from '../util/fnmatch.js';
import type { GlobMatcher, SuppressionEntry } from '../findings/suppress.js';
import { UsageError } from './io.js';

const ENTRY_KEYS = ['id', 'reason', 'path', 'setup'] as const;

export function readProjectFile(file: string): Omit<SuppressionEntry, 'reportUnused'>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}`,
    );
  }
  return parseProjectFile(file, text);
}

export function parseProjectFile(file: string, text: string): Omit<SuppressionEntry, 'reportUnused'>[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const fail = (line: number, what: string): never => {
    throw new UsageError(`${file}:${line}: ${what}`);
  };
  const syntax = doc.errors[0];
  if (syntax) fail(lines.linePos(syntax.pos[0]).line, `not valid YAML: ${syntax.message.split('\n')[0]}`);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) return fail(lineOf(root), 'the file must be a mapping with an "ignore:" list');
  const out: Omit<SuppressionEntry, 'reportUnused'>[] = [];
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'ignore') fail(lineOf(pair.key as Node), `unknown key "${key}": the file holds "ignore:" only`);
    const list = pair.value as Node | null;
    if (list === null || (isScalar(list) && list.value === null)) continue;
    if (!isSeq(list)) return fail(lineOf(list), '"ignore:" must be a list of entries ("- id: …")');
    for (const item of list.items as Node[]) {
      const at = lineOf(item);
      if (!isMap(item)) return fail(at, 'an ignore entry must be a mapping with id and reason');
      const fields: Partial<Record<(typeof ENTRY_KEYS)[number], string>> = {};
      for (const p of item.items) {
        const k = isScalar(p.key) ? String(p.key.value) : '';
        const v = p.value as Node | null;
        if (!(ENTRY_KEYS as readonly string[]).includes(k))
          fail(lineOf(p.key as Node), `unknown key "${k}" in an ignore entry: use ${ENTRY_KEYS.join(', ')}`);
        if (!isScalar(v) || typeof v.value !== 'string' || v.value.trim() === '')
          fail(lineOf(v ?? (p.key as Node)), `"${k}" must be a non-empty text`);
        fields[k as (typeof ENTRY_KEYS)[number]] = String((v as { value: string }).value).trim();
      }
      if (fields.id === undefined) fail(at, 'an ignore entry needs an id (the finding id to suppress)');
      if (fields.reason === undefined)
        fail(at, `the ignore entry for ${fields.id} needs a reason: say why this finding is accepted`);
      const entry: Omit<SuppressionEntry, 'reportUnused'> = {
        id: fields.id!,
        reason: fields.reason!,
        source: `${file}:${at}`,
        kind: 'external',
      };
      if (fields.path !== undefined) entry.path = resolvePathGlob(fields.path, path.dirname(file));
      if (fields.setup !== undefined) entry.setup = fields.setup;
      out.push(entry);
    }
  }
  return out;
}

/**
 * As .gitignore reads a pattern: with no slash it matches a file's name in any
 * directory; a relative one is relative to the project file's directory.
 */
export function resolvePathGlob(glob: string, base: string): string {
  if (glob.startsWith('/')) return glob;
  if (!glob.includes('/')) return `**/${glob}`;
  return path.join(base, glob);
}

const compiled = new Map<string, RegExp>();

/** `*`, `?` and `[…]` as fnmatch has them (`*` stops at a slash in a path), and `**` for any number of directories. */
export const matchGlob: GlobMatcher = (glob, value, what) => {
  const key = `${what}\0${glob}`;
  let re = compiled.get(key);
  if (!re) {
    const source =
      what === 'setup'
        ? glob
            .split('*')
            .map((part) => fnmatchToRegex(part))
            .join('.*')
        : glob
            .split('**/')
            .map((part) => part.split('**').map(fnmatchToRegex).join('.*'))
            .join('(?:.*/)?');
    re = new RegExp(`^${source}$`, 's');
    compiled.set(key, re);
  }
  return re.test(value);
};
