/**
 * `--format jsonl` (src/report/jsonl.ts and its wiring): one JSON object per
 * line and nothing else on stdout, each line valid against
 * schema/fcgi-doctor.jsonl.schema.json, a summary line last; untrusted text
 * never splits a line; the exit status is the contract's.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { runLoad } from '../../src/client/load.js';
import { failureLine, formatFindingsJsonl, jsonLine, type JsonlHead } from '../../src/report/jsonl.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';
import { jsonlValidator, readJsonl } from './jsonlSupport.js';
import { fixture, run } from './support.js';

const validate = jsonlValidator();

const head: JsonlHead = {
  toolVersion: '1.2.3',
  command: 'check',
  target: '/etc/apache2/sites-enabled/x.conf',
  host: 'web-1',
  now: () => new Date('2026-01-02T03:04:05.678Z'),
};

describe('jsonl lines', () => {
  it('writes a finding with the envelope members and its own, then a summary', () => {
    const f: Finding = {
      id: 'socket-missing',
      severity: 'error',
      title: 'The socket is missing',
      message: 'line one\nline two\u2028three\u2029four \u001b]0;x\u0007 \u009b31m \u202e',
      evidence: [{ kind: 'probe', text: 'ls -l /run/php\r\n' }],
      fix: 'start php-fpm',
      location: { file: '/etc/x.conf', line: 3 },
    };
    const out = formatFindingsJsonl(head, { findings: [f], exitStatus: 1 });
    // Two lines exactly: nothing in the message could split one.
    expect(out.split('\n')).toHaveLength(3);
    // Nothing a terminal or a line reader acts on is left raw.
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
    const [finding, summary] = readJsonl(out, validate);
    expect(finding).toEqual({
      kind: 'finding',
      tool: { name: 'fcgi-doctor', version: '1.2.3' },
      command: 'check',
      target: '/etc/apache2/sites-enabled/x.conf',
      host: 'web-1',
      time: '2026-01-02T03:04:05.678Z',
      ...f,
    });
    expect(summary).toMatchObject({
      kind: 'summary',
      summary: { error: 1, warning: 0, info: 0, suppressed: 0 },
      exitStatus: 1,
      internalErrors: [],
    });
  });

  it('escapes the line separators JSON.stringify leaves raw', () => {
    expect(jsonLine({ a: '\u2028\u2029\u0085' })).toBe('{"a":"\\u2028\\u2029\\u0085"}\n');
  });

  it('the schema refuses a line of no known kind, a member no line has, and a finding without its fields', () => {
    const good = JSON.parse(formatFindingsJsonl(head, { findings: [], exitStatus: 0 })) as Record<string, unknown>;
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, kind: 'other' })).toBe(false);
    expect(validate({ ...good, surprise: 1 })).toBe(false);
    expect(validate({ ...good, exitStatus: 3 })).toBe(false);
    const { summary: _s, exitStatus: _e, internalErrors: _i, suppressed: _x, ...bare } = good;
    expect(validate({ ...bare, kind: 'finding', id: 'socket-missing', severity: 'error' })).toBe(false);
  });

  it('a run that did not begin is a summary line with exit status 2 and the reason', () => {
    const [line] = readJsonl(failureLine({ ...head, command: '', target: '' }, 'unknown option'), validate);
    expect(line).toMatchObject({ kind: 'summary', exitStatus: 2, failure: 'unknown option', command: '' });
  });
});

describe('--format jsonl of each command', () => {
  let dir: TempDir;
  let app: RunningServer;
  let stuck: Hostile;
  let sock: string;
  beforeAll(async () => {
    dir = makeTempDir('jsonl');
    sock = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: sock });
    // Accepts and never answers: a pool whose every worker is busy.
    stuck = await hostileServer({ tcp: true }, () => undefined);
  });
  afterAll(async () => {
    await app.close();
    await stuck.close();
    dir.remove();
  });

  it('check: a line per finding, then the summary; exit status 1 with an error', async () => {
    const r = await run(['check', '--offline', fixture('seed', 'lazy-vhost'), '--format', 'jsonl']);
    const lines = readJsonl(r.stdout, validate);
    const findings = lines.filter((l) => l.kind === 'finding');
    expect(findings.map((l) => l.id)).toContain('options-mixed-syntax');
    expect(findings.every((l) => l.command === 'check' && l.target === fixture('seed', 'lazy-vhost'))).toBe(true);
    const summary = lines.at(-1)!;
    expect(summary.exitStatus).toBe(1);
    expect(r.code).toBe(1);
    expect((summary.summary as { error: number }).error).toBe(findings.filter((f) => f.severity === 'error').length);
  });

  it('check: a clean run is one summary line with exit status 0', async () => {
    const r = await run([
      'check',
      '--offline',
      fixture('seed', 'static-socket-vhost'),
      '--format',
      'jsonl',
      '--fail-on',
      'error',
    ]);
    const lines = readJsonl(r.stdout, validate);
    expect(lines.at(-1)!.exitStatus).toBe(r.code);
  });

  it('a run that cannot begin writes a summary line with exit status 2, and nothing else', async () => {
    const r = await run(['check', dir.join('absent.conf'), '--format', 'jsonl']);
    expect(r.code).toBe(2);
    const lines = readJsonl(r.stdout, validate);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: 'summary', command: 'check', exitStatus: 2 });
    expect(String(lines[0]!.failure)).toMatch(/absent\.conf/);
  });

  it('logs: a line per finding; an unreadable log named is exit status 2 with its notice', async () => {
    const r = await run(['logs', fixture('logs', 'php-fpm-max-children.log'), '--format', 'jsonl']);
    const lines = readJsonl(r.stdout, validate);
    expect(lines.filter((l) => l.kind === 'finding').map((l) => l.id)).toContain('max-children-reached');
    expect(lines.at(-1)).toMatchObject({ exitStatus: r.code, command: 'logs' });
    const missing = await run(['logs', dir.join('absent.log'), '--format', 'jsonl']);
    expect(missing.code).toBe(2);
    const [only] = readJsonl(missing.stdout, validate);
    expect(only).toMatchObject({ kind: 'summary', exitStatus: 2 });
    expect((only!.notices as Array<{ code: string }>)[0]?.code).toBe('missing');
  });

  it('logs: a log line that holds a newline escape, a CR and a C1 control stays on its line', async () => {
    const log = dir.join('evil.log');
    writeFileSync(
      log,
      "[Tue Mar 05 09:31:40.123456 2024] [proxy_fcgi:error] [pid 1] [client 10.0.0.1:5] AH01071: Got error 'Primary script unknown\u0085\u2028x\r'\n",
    );
    const r = await run(['logs', log, '--format', 'jsonl']);
    const lines = readJsonl(r.stdout, validate);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(r.stdout).not.toMatch(/[\r\u0085\u2028]/);
  });

  it('ping: the summary carries the response status and timings; an unreachable backend is a finding and exit 1', async () => {
    const ok = await run(['ping', sock, '--format', 'jsonl']);
    const [summary] = readJsonl(ok.stdout, validate);
    expect(summary).toMatchObject({ kind: 'summary', exitStatus: 0, response: { status: 200 } });
    const down = await run(['ping', dir.join('absent.sock'), '--format', 'jsonl']);
    expect(down.code).toBe(1);
    const lines = readJsonl(down.stdout, validate);
    expect(lines.map((l) => l.kind)).toEqual(['finding', 'summary']);
  });

  it('ping --count: interval lines, then the summary with the whole load', async () => {
    const r = await run(['ping', sock, '--count', '200', '--concurrency', '4', '--format', 'jsonl']);
    const lines = readJsonl(r.stdout, validate);
    const intervals = lines.filter((l) => l.kind === 'interval');
    expect(intervals.length).toBeGreaterThanOrEqual(1);
    expect(intervals.map((l) => l.interval)).toEqual(intervals.map((_, i) => i + 1));
    const done = intervals.reduce((n, l) => n + (l.completed as number) + (l.failed as number), 0);
    expect(done).toBe(200);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', exitStatus: 0, load: { count: 200, completed: 200 } });
  });

  it('status TARGET: a pool line, its findings, the summary; a stuck pool is exit 1', async () => {
    const r = await run(['status', stuck.address, '--timeout', '300ms', '--format', 'jsonl']);
    expect(r.code).toBe(1);
    const lines = readJsonl(r.stdout, validate);
    expect(lines[0]).toMatchObject({ kind: 'pool', listen: stuck.address, state: 'failing', healthy: false });
    expect(lines.filter((l) => l.kind === 'finding').length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatchObject({ kind: 'summary', exitStatus: 1, pools: 1, healthy: false });
  });

  it('status --all: a line per pool, each told apart, the stuck ones failing, then the summary', async () => {
    const pools = dir.join('pool.d');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(pools, { recursive: true });
    const conf = dir.join('php-fpm.conf');
    writeFileSync(conf, `[global]\npid = ${dir.join('fpm.pid')}\ninclude = ${pools}/*.conf\n`);
    const pool = (name: string, listen: string, extra = '') =>
      `[${name}]\nuser = www-data\nlisten = ${listen}\npm = static\npm.max_children = 2\n${extra}`;
    writeFileSync(`${pools}/a.conf`, pool('a', stuck.address, 'pm.status_path = /status\n'));
    writeFileSync(`${pools}/b.conf`, pool('b\u2028\u001b[31m', dir.join('b.sock')));
    const r = await run(['status', '--all', '--fpm-config', conf, '--timeout', '300ms', '--format', 'jsonl']);
    expect(r.code).toBe(1);
    const lines = readJsonl(r.stdout, validate);
    const poolLines = lines.filter((l) => l.kind === 'pool');
    expect(poolLines.map((l) => [l.name, l.state])).toEqual([
      ['a', 'failing'],
      ['b\u2028\u001b[31m', 'no-status-path'],
    ]);
    expect(r.stdout).not.toMatch(/[\u2028\u001b]/);
    expect(lines.at(-1)).toMatchObject({
      kind: 'summary',
      command: 'status',
      target: '--all',
      pools: 2,
      exitStatus: 1,
    });
  });
});

describe('load intervals (src/client/load.ts)', () => {
  let dir: TempDir;
  let app: RunningServer;
  beforeAll(async () => {
    dir = makeTempDir('jsonl-load');
    app = await startServer({ kind: 'unix', path: dir.join('app.sock') });
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  it('reports every request in exactly one interval, numbered from 1, the last one at the end', async () => {
    const seen: Array<{ interval: number; completed: number; failed: number; elapsedMs: number }> = [];
    const result = await runLoad(
      { kind: 'unix', path: dir.join('app.sock') },
      {
        params: [['SCRIPT_FILENAME', '/x']],
        count: 300,
        concurrency: 2,
        timeoutMs: 5000,
        accept: () => true,
        onInterval: { everyMs: 20, report: (x) => seen.push(x) },
      },
    );
    expect(seen.map((x) => x.interval)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.reduce((n, x) => n + x.completed + x.failed, 0)).toBe(300);
    expect(result.completed).toBe(300);
    const elapsed = seen.map((x) => x.elapsedMs);
    expect([...elapsed].sort((a, b) => a - b)).toEqual(elapsed);
  });
});
