/**
 * The explanation pages of `fcgi-doctor explain ID`: one Markdown file per
 * finding id in docs/findings/, with YAML front matter (id, severity, title,
 * applies_to) and five sections, compiled by the build (src/findings/docSource.ts
 * reads the Markdown). Severity and title repeat the registry's (registry.ts),
 * for readers of the page; test/findings/registry.test.ts fails when they
 * disagree. This module only looks them up; it never prints.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogData } from '../catalog/data.js';

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

/** A page as the build compiles it: all but where it lies. */
export type FindingDocPage = Omit<FindingDoc, 'file'>;

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

export const FINDING_DOC_SEVERITIES: readonly string[] = ['error', 'warning', 'info'];
export const FINDING_ID_RE = /^[a-z0-9][a-z0-9-]*$/;
const REL = ['..', '..', 'docs', 'findings'];

/** The directory of this module: src/findings/, dist/findings/ or the bundle's dist/bundle/. */
function moduleDir(): string | undefined {
  try {
    return path.dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
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

/**
 * The page for `id`, or undefined when there is none (an unknown id). The pages
 * ship compiled (the build reads and checks docs/findings/*.md, src/catalog);
 * `file` is where the page lies in the package, for a reader who wants the source.
 */
export function loadFindingDoc(id: string): FindingDoc | undefined {
  const page = pagesById().get(id);
  return page ? { ...page, file: path.join(findingDocsDir(), `${id}.md`) } : undefined;
}

/** Every page, sorted by id. */
export function listFindingDocs(): FindingDoc[] {
  const dir = findingDocsDir();
  return [...pagesById().values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((p) => ({ ...p, file: path.join(dir, `${p.id}.md`) }));
}

let byId: Map<string, FindingDocPage> | undefined;
function pagesById(): Map<string, FindingDocPage> {
  byId ??= new Map(catalogData().docs.map((p) => [p.id, p]));
  return byId;
}

/** The `## ` headings of a page body, in order. */
export function docSections(body: string): string[] {
  return body
    .split('\n')
    .filter((l) => /^## /.test(l))
    .map((l) => l.slice(3).trim());
}
