/**
 * Reading docs/findings/*.md: the YAML front matter and the body of each page.
 * Build time and tests only: the build compiles the pages once (src/catalog),
 * `explain` and the reports look them up there (src/findings/docs.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { FINDING_DOC_SEVERITIES, FINDING_ID_RE, type FindingDoc, type FindingDocSeverity } from './docs.js';

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
  if (!meta || typeof meta !== 'object' || Array.isArray(meta))
    throw new Error(`${file}: the front matter is not a mapping`);
  const fm = meta as Record<string, unknown>;
  const { id, severity, title } = fm;
  const applies = fm['applies_to'];
  if (typeof id !== 'string' || !FINDING_ID_RE.test(id))
    throw new Error(`${file}: "id" is missing or not a finding id`);
  if (typeof severity !== 'string' || !FINDING_DOC_SEVERITIES.includes(severity))
    throw new Error(`${file}: "severity" must be error, warning or info`);
  if (typeof title !== 'string' || !title.trim() || title.includes('\n'))
    throw new Error(`${file}: "title" must be one line of text`);
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
export function readFindingDoc(id: string, dir: string): FindingDoc | undefined {
  if (!FINDING_ID_RE.test(id)) return undefined;
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
export function readFindingDocs(dir: string): FindingDoc[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const docs: FindingDoc[] = [];
  for (const name of names.filter((n) => n.endsWith('.md')).sort()) {
    const doc = readFindingDoc(name.slice(0, -3), dir);
    if (doc) docs.push(doc);
  }
  return docs;
}
