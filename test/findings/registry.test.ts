/**
 * The registry (src/findings/registry.ts) is the one place a finding id is
 * declared. These tests hold everything else to it: the pages, the code that
 * emits findings, and the contract's ids.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFindingDoc, readFindingDocs } from '../../src/findings/docSource.js';
import { ALL_FINDING_IDS, CONTRACT_FINDING_IDS, findingEntry } from '../../src/findings/ids.js';
import { FINDINGS, findingPagePath, type FindingEntry, type FindingPart } from '../../src/findings/registry.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docsDir = path.join(root, 'docs', 'findings');

/**
 * The contract's ids (the "Finding ids every part must use" list of the
 * project's contract), frozen here on purpose: this copy is what catches a
 * rename or a removal in the registry. Add to it only when the contract grows.
 */
const CONTRACT_IDS = [
  'config-syntax-error',
  'options-mixed-syntax',
  'include-not-found',
  'site-not-loaded',
  'module-not-loaded',
  'execcgi-off',
  'proxy-url-invalid',
  'proxy-worker-shared',
  'server-redefined',
  'script-missing',
  'script-not-executable',
  'shebang-interpreter-missing',
  'shebang-crlf',
  'socket-missing',
  'socket-not-socket',
  'socket-permission-denied',
  'socket-stale',
  'ipc-dir-unwritable',
  'backend-exposed',
  'server-not-running',
  'process-manager-not-running',
  'workers-missing',
  'user-mismatch',
  'backend-unreachable',
  'backend-timeout',
  'backend-bad-response',
  'backend-error-status',
  'primary-script-unknown',
  'backend-overloaded',
  'app-crash-loop',
  'app-stderr',
  'request-too-large',
  'max-children-reached',
  'script-extension-denied',
  'htaccess-invalid-command',
  'fastcgi-param-missing',
  'fpm-config-error',
  'fpm-client-not-allowed',
  'script-unreadable',
  'backend-protocol-error',
  'source-served-as-text',
  'handler-matches-inner-extension',
  'split-path-info-unchecked',
  'fix-pathinfo-exec',
  'status-page-exposed',
];

/** The part of the tool a source file belongs to, for the ids it emits. */
function partOf(rel: string): FindingPart | undefined {
  if (rel.startsWith('src/checks/config/')) return 'configuration';
  if (rel.startsWith('src/checks/probes/')) return 'probes';
  if (rel.startsWith('src/checks/nginx/')) return 'nginx';
  // ping's load mode (--count): its finding lives beside the request step's.
  if (rel === 'src/checks/request/load.ts') return 'ping';
  if (rel.startsWith('src/checks/request/')) return 'request';
  if (rel.startsWith('src/checks/http/')) return 'http';
  if (rel.startsWith('src/status/')) return 'status';
  if (rel === 'src/findings/suppress.ts') return 'suppressions';
  return undefined;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Every finding id written as a literal in src: `id: '...'` in a finding and
 * `ids: [...]` of a check. (The type check already refuses an unregistered
 * literal in a Finding; this also catches one written where the type is wider.)
 */
function emittedInSource(): Array<{ id: string; file: string; part: FindingPart | undefined }> {
  const out: Array<{ id: string; file: string; part: FindingPart | undefined }> = [];
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    // The registry and its look-ups name every id; suppress.ts emits one of its own.
    if (rel.startsWith('src/findings/') && rel !== 'src/findings/suppress.ts') continue;
    const text = readFileSync(file, 'utf8');
    const ids = [...text.matchAll(/\bid: '([a-z0-9]+(?:-[a-z0-9]+)+)'/g)].map((m) => m[1] as string);
    for (const m of text.matchAll(/\bids: \[([^\]]*)\]/g))
      ids.push(...[...(m[1] ?? '').matchAll(/'([a-z0-9-]+)'/g)].map((x) => x[1] as string));
    for (const id of ids) out.push({ id, file: rel, part: partOf(rel) });
  }
  return out;
}

/**
 * The severity each site writes next to an id: `id: 'x', severity: 'y'` (both
 * sides of a `cond ? 'a' : 'b'`) in src, `finding:` and `severity:` in rules/.
 */
function severitiesWritten(): Array<{ id: string; severity: string; where: string }> {
  const out: Array<{ id: string; severity: string; where: string }> = [];
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    // The registry and its look-ups name every id; suppress.ts emits one of its own.
    if (rel.startsWith('src/findings/') && rel !== 'src/findings/suppress.ts') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/\bid: '([a-z0-9]+(?:-[a-z0-9]+)+)',\s*severity: ([^,\n]+)/g)) {
      for (const s of (m[2] ?? '').matchAll(/'(error|warning|info)'/g))
        out.push({ id: m[1] as string, severity: s[1] as string, where: rel });
    }
  }
  const dir = path.join(root, 'rules');
  for (const n of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
    const text = readFileSync(path.join(dir, n), 'utf8');
    const id = /^finding:\s*['"]?([a-z0-9-]+)/m.exec(text)?.[1];
    const severity = /^severity:\s*(\w+)/m.exec(text)?.[1];
    if (id && severity) out.push({ id, severity, where: `rules/${n}` });
  }
  return out;
}

/** `finding:` of every rules/*.yaml. */
function emittedByRules(): Array<{ id: string; file: string }> {
  const dir = path.join(root, 'rules');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.yaml'))
    .flatMap((n) =>
      [...readFileSync(path.join(dir, n), 'utf8').matchAll(/^finding:\s*['"]?([a-z0-9-]+)['"]?\s*$/gm)].map((m) => ({
        id: m[1] as string,
        file: `rules/${n}`,
      })),
    );
}

describe('the registry of finding ids', () => {
  it('declares each id once, in order', () => {
    expect(new Set(ALL_FINDING_IDS).size).toBe(ALL_FINDING_IDS.length);
    expect([...ALL_FINDING_IDS]).toEqual([...ALL_FINDING_IDS].sort());
    for (const f of FINDINGS) expect(f.id, f.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('holds every contract id, flagged as such, and no other id is flagged', () => {
    expect([...CONTRACT_FINDING_IDS].sort()).toEqual([...CONTRACT_IDS].sort());
  });

  it('names who emits each id; only a contract id may have no emitter yet', () => {
    for (const f of FINDINGS) if (f.parts.length === 0) expect(CONTRACT_FINDING_IDS, f.id).toContain(f.id);
  });

  it.each(FINDINGS.map((f) => [f.id, f] as const))('%s: its page agrees on severity and title', (id, entry) => {
    const doc = readFindingDoc(id, docsDir);
    expect(doc, findingPagePath(id)).toBeDefined();
    expect({ severity: doc?.severity, title: doc?.title }, findingPagePath(id)).toEqual({
      severity: entry.severity,
      title: entry.title,
    });
  });

  it('has an entry for every page (no page of an unknown id)', () => {
    const pages = readFindingDocs(docsDir).map((d) => d.id);
    expect(pages.filter((id) => !findingEntry(id))).toEqual([]);
    expect(pages.length).toBe(FINDINGS.length);
  });
});

describe('what the code emits', () => {
  const source = emittedInSource();
  const rules = emittedByRules();

  it('finds the literals it scans for', () => {
    // Guards the scan itself: if a refactor changes how findings are written, this fails rather than the scan going blind.
    expect(source.length).toBeGreaterThan(100);
    expect(source.some((e) => e.part === 'status')).toBe(true);
    expect(source.some((e) => e.part === 'ping')).toBe(true);
    expect(rules.length).toBeGreaterThan(100);
  });

  it('emits no id the registry lacks', () => {
    const unknown = [...source, ...rules].filter((e) => !findingEntry(e.id)).map((e) => `${e.file}: ${e.id}`);
    expect(unknown).toEqual([]);
  });

  it('the registry names exactly the parts that emit each id', () => {
    const seen = new Map<string, Set<FindingPart>>();
    const add = (id: string, part: FindingPart) => (seen.get(id) ?? seen.set(id, new Set()).get(id))?.add(part);
    for (const e of source) if (e.part) add(e.id, e.part);
    for (const e of rules) add(e.id, 'logs');
    const wrong = FINDINGS.filter((f) => [...f.parts].sort().join() !== [...(seen.get(f.id) ?? [])].sort().join()).map(
      (f) => `${f.id}: registry says [${f.parts.join(', ')}], the code [${[...(seen.get(f.id) ?? [])].join(', ')}]`,
    );
    expect(wrong).toEqual([]);
  });

  it("writes each id's default severity, or one the registry names with its case", () => {
    const written = severitiesWritten();
    expect(written.length).toBeGreaterThan(200);
    const undeclared = written
      .filter((w) => {
        const e = findingEntry(w.id);
        return e && w.severity !== e.severity && !e.also?.[w.severity as 'error' | 'warning' | 'info'];
      })
      .map((w) => `${w.where}: ${w.id} is ${w.severity}, the registry says ${findingEntry(w.id)?.severity}`);
    expect(undeclared).toEqual([]);
    // And no declared case is stale: some site writes each.
    const stale = FINDINGS.flatMap((f: FindingEntry) =>
      Object.keys(f.also ?? {})
        .filter((sev) => !written.some((w) => w.id === f.id && w.severity === sev))
        .map((sev) => `${f.id}: ${sev}`),
    );
    expect(stale).toEqual([]);
  });

  it('would catch an unregistered id', () => {
    expect(findingEntry('no-such-finding')).toBeUndefined();
    const fake = [
      ..."const f = { id: 'made-up-finding', severity: 'error' };".matchAll(/\bid: '([a-z0-9]+(?:-[a-z0-9]+)+)'/g),
    ].map((m) => m[1]);
    expect(fake).toEqual(['made-up-finding']);
  });
});
