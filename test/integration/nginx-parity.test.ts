/**
 * Our reading of nginx's configuration against nginx's own (issue 17 §1): for
 * every tree of fixtures/nginx/parity/, `nginx -t` refuses it exactly when we
 * report an emerg, and on the file and line of nginx's "in FILE:LINE"; for
 * every tree it accepts, the files we read are, in order, the "# configuration
 * file X:" headers of `nginx -T`.
 *
 * fixtures/nginx/parity-verdicts.json says which trees nginx accepts (a tree
 * meant to be broken that nginx accepts is a broken fixture, and the other way).
 *
 * Each tree is copied to a private directory, `@TMP@` in its files replaced by
 * that directory (logs, pid, absolute includes) and `@USER@` by a user that
 * exists, so nginx -t (run as root, which opens the log files) writes nowhere else.
 */
import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { cpSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type NginxConfig, type NginxIssue, readNginxConfig, startupLookups } from '../../src/nginx/index.js';
import { BINARIES, hasBinary, missingReason } from './harness/requireServer.js';
import { fastcgiBufferMergeIssue } from '../../src/checks/nginx/bufferMerge.js';
import { buildModel } from '../../src/routing/nginx/config.js';

const NGINX = BINARIES.nginx;
const available = hasBinary(NGINX);
const CORPUS = path.resolve(__dirname, '../../fixtures/nginx/parity');
const runDir = mkdtempSync(path.join(tmpdir(), 'fcgi-doctor-nginx-parity-'));
afterAll(() => {
  rmSync(runDir, { recursive: true, force: true });
  // A mutant that cuts an absolute path inside the run directory's name (a ';', ' ' or newline put
  // into "…/fcgi-doctor-nginx-parity-…/x.log") makes nginx create the cut path next to it.
  const parent = path.dirname(runDir);
  const name = path.basename(runDir);
  for (const e of readdirSync(parent))
    if (e !== name && name.startsWith(e)) rmSync(path.join(parent, e), { recursive: true, force: true });
});

function prepare(name: string, from = name): string {
  const dir = path.join(runDir, name);
  cpSync(path.join(CORPUS, from), dir, { recursive: true, verbatimSymlinks: true });
  substituteTree(dir);
  return dir;
}

function substituteTree(top: string): void {
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const data = readFileSync(p);
        if (data.includes(0)) continue;
        const text = data.toString('latin1');
        if (!text.includes('@TMP@') && !text.includes('@USER@')) continue;
        writeFileSync(p, Buffer.from(text.replaceAll('@TMP@', top).replaceAll('@USER@', 'www-data'), 'latin1'));
      }
    }
  };
  walk(top);
}

interface NginxVerdict {
  status: number | null;
  emerg?: { message: string; file?: string; line?: number };
  stderr: string;
}

function nginx(flag: '-t' | '-T', dir: string): NginxVerdict & { stdout: string } {
  const root = path.join(dir, 'nginx.conf');
  const hasPid = /^\s*pid\s/m.test(readFileSync(root, 'latin1'));
  const globals = `${hasPid ? '' : `pid ${dir}/nginx.pid; `}error_log stderr;`;
  const r = spawnSync(NGINX.path, [flag, '-c', root, '-p', `${dir}/`, '-g', globals], {
    encoding: 'latin1',
    timeout: 20_000,
  });
  const line = r.stderr.split('\n').find((l) => l.includes('[emerg]'));
  let emerg: NginxVerdict['emerg'];
  if (line) {
    const msg = line.replace(/^.*?\[emerg\] (\d+#\d+: )?/, '');
    const at = / in (\/.*):(\d+)$/.exec(msg);
    emerg = at ? { message: msg, file: at[1], line: Number(at[2]) } : { message: msg };
  }
  return { status: r.status, emerg, stderr: r.stderr, stdout: r.stdout };
}

const trees = readdirSync(CORPUS).sort();

/** The startup lookups that do not resolve, as the issues nginx reports for them. */
async function unresolvedLookups(config: NginxConfig): Promise<NginxIssue[]> {
  const out: NginxIssue[] = [];
  for (const l of startupLookups(config)) {
    const found = await lookup(l.host).then(
      () => true,
      () => false,
    );
    if (!found)
      out.push({
        severity: 'emerg',
        message: l.message,
        file: l.directive.file,
        line: l.directive.line,
        includedFrom: l.directive.includedFrom,
      });
  }
  return out;
}
/** What each tree is meant to be: nginx's verdict must stay the one the tree was written for. */
const VERDICTS = JSON.parse(readFileSync(path.join(CORPUS, '..', 'parity-verdicts.json'), 'utf8')) as Record<
  string,
  'accepted' | 'rejected'
>;

describe.skipIf(!available)(
  `nginx parity (${available ? NGINX.path : missingReason(NGINX.name, NGINX.path, NGINX.pkg)})`,
  () => {
    it('has a corpus of at least 40 trees', () => {
      expect(trees.length).toBeGreaterThanOrEqual(40);
    });

    it.each(trees)('%s', async (name) => {
      const dir = prepare(name);
      const real = nginx('-t', dir);
      const ours = readNginxConfig(path.join(dir, 'nginx.conf'), { prefix: `${dir}/` });
      // What the checks add: the names nginx resolves at start, resolved here.
      const unresolved = await unresolvedLookups(ours);
      // And the buffer sizes nginx's merge refuses (src/checks/nginx/bufferMerge.ts).
      const merge = fastcgiBufferMergeIssue(buildModel(ours))?.issue;
      const emergs = [...ours.issues.filter((i) => i.severity === 'emerg'), ...unresolved, ...(merge ? [merge] : [])];
      const shown = emergs.map((i) => `${i.message} in ${i.file}:${i.line ?? '-'}`);
      expect(real.status === 0 ? 'accepted' : 'rejected', real.stderr).toBe(VERDICTS[name]);
      if (real.status !== 0) {
        expect(shown, `nginx refused it: ${real.emerg?.message ?? real.stderr}`).not.toEqual([]);
        const e = real.emerg;
        if (e?.file !== undefined) {
          expect(
            emergs.some((i) => i.file === e.file && i.line === e.line),
            `nginx: ${e.message}\nours: ${shown.join('\n')}`,
          ).toBe(true);
        }
        return;
      }
      expect(shown, `nginx accepted it:\n${real.stderr}`).toEqual([]);
      // nginx's warnings about names a server will never answer to, ours the same.
      const conflicts = (lines: string[]) => lines.filter((m) => m.startsWith('conflicting server name')).sort();
      const nginxWarns = real.stderr
        .split('\n')
        .filter((l) => l.includes('[warn]'))
        .map((l) => l.replace(/^.*?\[warn\] (\d+#\d+: )?/, ''));
      expect(conflicts(ours.issues.map((i) => i.message))).toEqual(conflicts(nginxWarns));
      const dump = nginx('-T', dir);
      const headers = [...dump.stdout.matchAll(/^# configuration file (.*):$/gm)].map((m) => m[1]);
      expect(ours.files.map((f) => f.file)).toEqual(headers);
    });

    // Bytes changed in the accepted trees, each mutant asked of nginx: we must never refuse
    // what nginx accepts, and where both refuse with the same words, on the same line.
    // (nginx refusing a value we do not check is allowed: docs/nginx/config.md lists them.)
    it('mutants of the accepted trees: no emerg where nginx accepts, the same line for the same message', () => {
      const accepted = trees.filter((t) => VERDICTS[t] === 'accepted' && !t.startsWith('debian'));
      const pieces = [';', '{', '}', '"', "'", '\\', '#', '$', ' ', '\n', '(', ')', 'a', '\r', '${', '\0'];
      let n = 0;
      fc.assert(
        fc.property(
          fc.constantFrom(...accepted),
          fc.array(fc.tuple(fc.nat(), fc.constantFrom(...pieces), fc.boolean()), { minLength: 1, maxLength: 3 }),
          (name, edits) => {
            const dir = prepare(`${name}.mutant${n++}`, name);
            const root = path.join(dir, 'nginx.conf');
            let text = readFileSync(root, 'latin1');
            for (const [at, piece, remove] of edits) {
              const i = at % (text.length + 1);
              text = remove ? text.slice(0, i) + text.slice(i + 1) : text.slice(0, i) + piece + text.slice(i);
            }
            writeFileSync(root, Buffer.from(text, 'latin1'));
            const real = nginx('-t', dir);
            const ours = readNginxConfig(root, { prefix: `${dir}/` }).issues.filter((i) => i.severity === 'emerg');
            const shown = ours.map((i) => `${i.message} in ${i.file}:${i.line ?? '-'}`);
            if (real.status === 0) expect(shown, `nginx accepted:\n${text}`).toEqual([]);
            const e = real.emerg;
            if (e?.file !== undefined) {
              const words = e.message.replace(/ in \/.*:\d+$/, '');
              const same = ours.filter((i) => i.message === words);
              if (same.length > 0)
                expect(
                  same.some((i) => i.file === e.file && i.line === e.line),
                  e.message,
                ).toBe(true);
            }
            rmSync(dir, { recursive: true, force: true });
          },
        ),
        { numRuns: 150, seed: 17 },
      );
    });
  },
);
