import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  docSections,
  FINDING_DOC_SECTIONS,
  FINDING_DOC_TARGETS,
  findingDocsDir,
  listFindingDocs,
  loadFindingDoc,
} from '../../src/findings/docs.js';
import { parseFindingDoc, readFindingDoc, readFindingDocs } from '../../src/findings/docSource.js';
import { ALL_FINDING_IDS } from '../../src/findings/ids.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = path.join(root, 'docs', 'findings');

describe('finding pages', () => {
  it('finds docs/findings from the module', () => {
    expect(path.resolve(findingDocsDir())).toBe(path.resolve(docsDir));
    expect(path.resolve(findingDocsDir(new URL('../../src/cli/main.ts', import.meta.url).href))).toBe(
      path.resolve(docsDir),
    );
    expect(path.resolve(findingDocsDir(path.join(root, 'dist', 'bundle', 'main.cjs')))).toBe(path.resolve(docsDir));
  });

  it.each([...ALL_FINDING_IDS])('%s has a page', (id) => {
    const doc = readFindingDoc(id, docsDir);
    expect(doc, `docs/findings/${id}.md`).toBeDefined();
    expect(doc?.id).toBe(id);
  });

  it('every page is well formed', () => {
    const docs = readFindingDocs(docsDir);
    expect(docs.length).toBe(readdirSync(docsDir).filter((n) => n.endsWith('.md')).length);
    for (const doc of docs) {
      expect(path.basename(doc.file, '.md'), doc.file).toBe(doc.id);
      expect(['error', 'warning', 'info'], doc.file).toContain(doc.severity);
      expect(doc.title.length, doc.file).toBeGreaterThan(5);
      expect(doc.title, doc.file).not.toContain('\n');
      for (const a of doc.appliesTo) expect(FINDING_DOC_TARGETS as readonly string[], `${doc.file}: ${a}`).toContain(a);
      expect(docSections(doc.body), doc.file).toEqual([...FINDING_DOC_SECTIONS]);
      // every section has some text, and the fix is numbered steps
      const parts = doc.body.split(/^## .*$/m).slice(1);
      for (const p of parts) expect(p.trim().length, doc.file).toBeGreaterThan(20);
      expect(parts[2] ?? '', `${doc.file}: How to fix`).toMatch(/^1\. /m);
    }
  });

  it('the contract ids keep the severity the tool reports', () => {
    const errors = [
      'socket-missing',
      'socket-permission-denied',
      'socket-stale',
      'execcgi-off',
      'primary-script-unknown',
      'backend-timeout',
    ];
    for (const id of errors) expect(readFindingDoc(id, docsDir)?.severity, id).toBe('error');
    expect(readFindingDoc('app-stderr', docsDir)?.severity).toBe('warning');
  });

  it('the pages the commands look up are the pages in docs/findings (compiled by the build)', () => {
    expect(listFindingDocs()).toEqual(readFindingDocs(docsDir));
    expect(loadFindingDoc('socket-missing')).toEqual(readFindingDoc('socket-missing', docsDir));
    expect(loadFindingDoc('no-such-finding')).toBeUndefined();
  });

  it('an unknown id has no page', () => {
    expect(readFindingDoc('no-such-finding', docsDir)).toBeUndefined();
    expect(readFindingDoc('../package', docsDir)).toBeUndefined();
    expect(readFindingDoc('', docsDir)).toBeUndefined();
  });

  describe('malformed pages', () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'fcgi-docs-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it('throws on a page whose id differs from its file name', () => {
      writeFileSync(
        path.join(tmp, 'a-b.md'),
        '---\nid: other\nseverity: error\ntitle: T x y\napplies_to: [any]\n---\n## What it means\n',
      );
      expect(() => readFindingDoc('a-b', tmp)).toThrow(/other/);
    });

    it('throws without front matter or with a bad severity', () => {
      expect(() => parseFindingDoc('# no front matter', 'x.md')).toThrow(/front matter/);
      expect(() => parseFindingDoc('---\nid: x\nseverity: fatal\ntitle: t\napplies_to: [any]\n---\n', 'x.md')).toThrow(
        /severity/,
      );
    });

    it('parses CRLF pages', () => {
      const doc = parseFindingDoc(
        '---\r\nid: x\r\nseverity: info\r\ntitle: A title\r\napplies_to:\r\n  - any\r\n---\r\n## What it means\r\nText\r\n',
        'x.md',
      );
      expect(doc).toMatchObject({ id: 'x', severity: 'info', title: 'A title', appliesTo: ['any'] });
      expect(doc.body.startsWith('## What it means')).toBe(true);
    });
  });
});
