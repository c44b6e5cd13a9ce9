/** Test helpers: rewrite directives parsed from config text by the real parser, a fixture FS. */
import type { Directive } from '../../../src/apache/index.js';
import { parseConfig } from '../../../src/apache/parser.js';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { applyRewrite, type RewriteResult } from '../../../src/routing/apache/rewrite.js';
import type { RewriteContext } from '../../../src/routing/apache/seams.js';
import { fixtureSystem, type FixtureFile } from '../../../src/system/fixture.js';

const REWRITE = new Set(['rewriteengine', 'rewriteoptions', 'rewritebase', 'rewritecond', 'rewriterule']);

/** The mod_rewrite directives of `text` (top level, or inside the first section named `section`). */
export function rewriteDirectives(text: string, section?: string, file = '/etc/apache2/test.conf'): Directive[] {
  const parsed = parseConfig({
    rootFile: file,
    serverRoot: '/etc/apache2',
    source: new MemoryFileSource({ [file]: text }),
  });
  if (parsed.issues.some((i) => i.severity === 'error')) throw new Error(JSON.stringify(parsed.issues));
  let list = parsed.directives;
  if (section) {
    const find = (ds: Directive[]): Directive | undefined => {
      for (const d of ds) {
        if (d.name === section) return d;
        const inner = find(d.children);
        if (inner) return inner;
      }
      return undefined;
    };
    list = find(list)?.children ?? [];
  }
  return list.filter((d) => REWRITE.has(d.name));
}

export const BASE_VARS: Record<string, string> = {
  SERVER_NAME: 'example.org',
  SERVER_PORT: '80',
  HTTP_HOST: 'example.org',
  REQUEST_SCHEME: 'http',
  HTTPS: 'off',
  DOCUMENT_ROOT: '/srv/www',
  REQUEST_METHOD: 'GET',
};

export interface Run {
  text: string;
  section?: string;
  path: string;
  query?: string;
  perDir?: string;
  vars?: Record<string, string>;
  files?: Record<string, FixtureFile | string>;
}

export function run(o: Run): RewriteResult {
  const fs = fixtureSystem({ files: o.files ?? {} }).fs;
  const ctx: RewriteContext = {
    path: o.path,
    ...(o.query !== undefined ? { query: o.query } : {}),
    ...(o.perDir ? { perDir: { dir: o.perDir } } : {}),
    vars: { ...BASE_VARS, REQUEST_URI: o.perDir ? '' : o.path, ...(o.vars ?? {}) },
    fs,
  };
  return applyRewrite(rewriteDirectives(o.text, o.section), ctx);
}
