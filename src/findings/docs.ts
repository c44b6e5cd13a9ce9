/**
 * The explanation pages of `fcgi-doctor explain ID`: one Markdown file per
 * finding id in docs/findings/, with YAML front matter (id, severity, title,
 * applies_to) and five sections. Severity and title repeat the registry's
 * (registry.ts), for readers of the page; test/findings/registry.test.ts
 * fails when they disagree. This module only reads them; it never prints.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export type FindingDocSeverity = 'error' | 'warning' | 'info';

export interface FindingDoc {
  id: string;
  severity: FindingDocSeverity;
  title: string;
  appliesTo: string[];
  /** The Markdown after the front matter. */
  body: string;
  /** The page's path. */
  file: string;
}

/** The sections every page has, in this order. */
export const FINDING_DOC_SECTIONS = [
  'What it means',
  'Why it happens',
  'How to fix',
  'When it is not a problem',
  'Example',
] as const;

/** What `applies_to` may list. */
export const FINDING_DOC_TARGETS = [
  'apache',
  'mod_fastcgi',
  'mod_fcgid',
  'mod_proxy_fcgi',
  'php-fpm',
  'uwsgi',
  'fcgiwrap',
  'nginx',
  'any',
] as const;

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];
const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const REL = ['..', '..', 'docs', 'findings'];

/** The directory of this module, in every form it ships: ESM (src/, dist/) or the CommonJS bundle. */
function moduleDir(): string | undefined {
  try {
    const url = import.meta.url;
    if (url) return path.dirname(fileURLToPath(url));
  } catch {
    // not a file: URL: fall through
  }
  // The esbuild bundle (dist/bundle/main.cjs) is CommonJS: import.meta is empty
  // there, and __dirname is the bundle's directory. (Checked second: some hosts,
  // such as `node -e`, define a global __dirname that says nothing about us.)
  if (typeof __dirname === 'string' && __dirname) return __dirname;
  return undefined;
}

/**
 * Where the pages are. With `fromUrl` (a module's file: URL or a plain path
 * of a file two levels below the package root, like src/cli/main.ts or
 * dist/bundle/main.cjs): `<package root>/docs/findings` as seen from it.
 * Without: as seen from this module (src/findings/, dist/findings/ or
 * dist/bundle/, all two levels below the root), else `./docs/findings`.
 */
export function findingDocsDir(fromUrl?: string): string {
  if (fromUrl) {
    const file = fromUrl.startsWith('file:') ? fileURLToPath(fromUrl) : fromUrl;
    return path.join(path.dirname(file), ...REL);
  }
  const candidates: string[] = [];
  const here = moduleDir();
  if (here) candidates.push(path.join(here, ...REL));
  candidates.push(path.join(process.cwd(), 'docs', 'findings'));
  return candidates.find((d) => existsSync(d)) ?? candidates[0] ?? path.join('docs', 'findings');
}

/** Splits a page into its front matter and its body; throws with the file name when the page is malformed. */
export function parseFindingDoc(text: string, file: string): FindingDoc {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(src);
  if (!m) throw new Error(`${file}: no YAML front matter (the page must start with a line "---")`);
  let meta: unknown;
  try {
    meta = parseYaml(m[1] ?? '');
  } catch (e) {
    throw new Error(`${file}: invalid front matter: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new Error(`${file}: the front matter is not a mapping`);
  const fm = meta as Record<string, unknown>;
  const { id, severity, title } = fm;
  const applies = fm['applies_to'];
  if (typeof id !== 'string' || !ID_RE.test(id)) throw new Error(`${file}: "id" is missing or not a finding id`);
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) throw new Error(`${file}: "severity" must be error, warning or info`);
  if (typeof title !== 'string' || !title.trim() || title.includes('\n')) throw new Error(`${file}: "title" must be one line of text`);
  if (!Array.isArray(applies) || applies.length === 0 || !applies.every((a) => typeof a === 'string')) {
    throw new Error(`${file}: "applies_to" must be a non-empty list`);
  }
  return {
    id,
    severity: severity as FindingDocSeverity,
    title: title.trim(),
    appliesTo: applies as string[],
    body: (m[2] ?? '').replace(/^\n+/, ''),
    file,
  };
}

/**
 * The page for `id`, or undefined when there is none (an unknown id). A page
 * that exists but is malformed, or whose front-matter id differs from its
 * file name, throws: that is a packaging bug, not a user error.
 */
export function loadFindingDoc(id: string, dir: string = findingDocsDir()): FindingDoc | undefined {
  if (!ID_RE.test(id)) return undefined;
  const file = path.join(dir, `${id}.md`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const doc = parseFindingDoc(text, file);
  if (doc.id !== id) throw new Error(`${file}: front matter says id "${doc.id}", the file name says "${id}"`);
  return doc;
}

/** Every page in `dir`, sorted by id. */
export function listFindingDocs(dir: string = findingDocsDir()): FindingDoc[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const docs: FindingDoc[] = [];
  for (const name of names.filter((n) => n.endsWith('.md')).sort()) {
    const doc = loadFindingDoc(name.slice(0, -3), dir);
    if (doc) docs.push(doc);
  }
  return docs;
}

/** The `## ` headings of a page body, in order. */
export function docSections(body: string): string[] {
  return body
    .split('\n')
    .filter((l) => /^## /.test(l))
    .map((l) => l.slice(3).trim());
}
