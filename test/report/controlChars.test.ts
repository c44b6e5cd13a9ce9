/**
 * Everything in a finding may come from a backend, a log line or a
 * configuration file an attacker wrote: whatever control characters it holds,
 * no format may pass one raw to the terminal, the CI log or the monitoring UI
 * that shows it. Only the line breaks (and, in text, tabs) a format itself
 * writes are allowed; the data of JSON and SARIF stays exactly what it was.
 */
import { Chalk } from 'chalk';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import type { CheckedSummary } from '../../src/report/checkSummary.js';
import { formatCheckText } from '../../src/report/checkText.js';
import { buildEnvelope, formatJson } from '../../src/report/envelope.js';
import { formatFinding } from '../../src/report/findingText.js';
import { formatGithub } from '../../src/report/github.js';
import { formatLogsText } from '../../src/report/logsText.js';
import { formatNagios, formatNagiosUnknown } from '../../src/report/nagios.js';
import { formatSarif } from '../../src/report/sarif.js';
import { createStyle } from '../../src/report/style.js';
import { writeFileSync } from 'node:fs';
import { afterRequest, hostileServer, makeTempDir } from '../client/support.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { run } from './support.js';

// C0, DEL, C1 and the bidirectional overrides: what a terminal or a viewer could act on.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** The control characters in `text` that the format did not put there itself. */
function rawControls(text: string, allowed: string): string[] {
  return [...text.matchAll(CONTROL)]
    .map((m) => m[0])
    .filter((c) => !allowed.includes(c))
    .map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** SGR colour sequences, which the colour style writes on purpose. */
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;

const piece = fc.oneof(
  fc.constantFrom(
    '\u001b',
    '\u001b]0;PWN\u0007',
    '\u001b[2J',
    '\u0007',
    '\b',
    '\r',
    '\n',
    '\t',
    '\u0000',
    '\u000b',
    '\u007f',
    '\u009b',
    '\u009d',
    '\u0085',
    '\u202e',
    '\u2066',
    '%',
    '%0A',
    ':',
    ',',
    '|',
    '::error::',
    '\n::warning::x',
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const hostile = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(''));

const finding: fc.Arbitrary<Finding> = fc.record(
  {
    // Only registered ids are emitted now, but a reporter escapes every field whatever it holds.
    id: hostile.map((s) => s as Finding['id']),
    severity: fc.constantFrom('error' as const, 'warning' as const, 'info' as const),
    title: hostile,
    message: hostile,
    location: fc.record(
      {
        file: hostile,
        line: fc.option(fc.integer({ min: 1, max: 99999 }), { nil: undefined }),
        includedFrom: fc.array(hostile, { maxLength: 2 }),
      },
      { requiredKeys: ['file'] },
    ),
    evidence: fc.array(
      fc.record({
        kind: fc.constantFrom('probe', 'config', 'log', 'request') as fc.Arbitrary<Finding['evidence'][number]['kind']>,
        text: hostile,
      }),
      { maxLength: 3 },
    ),
    fix: hostile,
    setup: hostile,
  },
  { requiredKeys: ['id', 'severity', 'title', 'message', 'evidence'] },
);
const findings = fc.array(finding, { minLength: 1, maxLength: 3 });

const plain = createStyle();
const colour = createStyle(new Chalk({ level: 1 }));

function summaryOf(s: string, fs: Finding[]): CheckedSummary {
  return {
    rootFile: s,
    serverRoot: s,
    layout: 'custom',
    targetFile: `${s}x`,
    targetLoaded: false,
    webUser: s,
    webGroup: s,
    fastcgiModules: ['fastcgi_module'],
    steps: { config: true, probes: true, requests: true, logs: true },
    logsScanned: [s],
    setups: [
      {
        id: fs[0]!.setup ?? 'x',
        module: 'fastcgi',
        mode: 'external',
        loaded: true,
        active: false,
        inactiveReason: s,
        endpoint: s,
        script: s,
        reachedBy: [s],
        vhost: s,
        definedAt: { file: s, line: 3 },
        request: { status: 200, totalMs: 1, script: s },
      },
    ],
    notices: [s],
  };
}

const RUNS = { numRuns: 300 };

describe('no raw control character from a finding reaches any format', () => {
  it('text (plain and colour), a finding on its own, the check report and the logs report', () => {
    fc.assert(
      fc.property(findings, hostile, (fs, s) => {
        for (const style of [plain, colour]) {
          const texts = [
            ...fs.map((f) => formatFinding(style, f, '  ')),
            formatCheckText(style, summaryOf(s, fs), fs, { exitCode: 1, verbose: true }),
            formatLogsText(style, {
              target: s,
              findings: fs,
              notices: [{ source: s, code: 'unreadable', message: s }],
              stats: {
                sources: 1,
                bytes: 1,
                lines: 1,
                candidateLines: 1,
                matchedLines: 1,
                skippedBySince: 0,
                truncatedLines: 0,
                foldedLines: 0,
              },
              exitCode: 1,
            }),
          ];
          for (const t of texts) expect(rawControls(t.replace(SGR, ''), '\n\t')).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('json: only its own line breaks, and the data parses back unchanged', () => {
    fc.assert(
      fc.property(findings, hostile, (fs, s) => {
        const out = formatJson(buildEnvelope('0.1.0', 'check', s, fs));
        expect(rawControls(out, '\n')).toEqual([]);
        const back = JSON.parse(out) as { target: string; findings: Finding[] };
        expect(back.target).toBe(s);
        expect(back.findings).toEqual(JSON.parse(JSON.stringify(fs)));
      }),
      RUNS,
    );
  });

  it('sarif: only its own line breaks, and the messages parse back unchanged', () => {
    fc.assert(
      fc.property(findings, (fs) => {
        const out = formatSarif(fs, { toolVersion: '0.1.0', cwd: '/ws', docFor: () => undefined });
        expect(rawControls(out, '\n')).toEqual([]);
        const back = JSON.parse(out) as { runs: Array<{ results: Array<{ message: { text: string } }> }> };
        for (const [i, r] of back.runs[0]!.results.entries())
          expect(r.message.text.startsWith(`${fs[i]!.title}\n\n${fs[i]!.message}`)).toBe(true);
      }),
      RUNS,
    );
  });

  it('github: one workflow command per finding and a summary line, no other line, no raw control character', () => {
    fc.assert(
      fc.property(findings, hostile, (fs, s) => {
        const out = formatGithub(fs, { exitCode: 1, target: s, cwd: '/ws' });
        expect(rawControls(out, '\n\t')).toEqual([]);
        const lines = out.replace(/\n$/, '').split('\n');
        expect(lines).toHaveLength(fs.length + 1);
        for (const [i, l] of lines.slice(0, -1).entries())
          expect(l.startsWith(`::${fs[i]!.severity === 'info' ? 'notice' : fs[i]!.severity} `)).toBe(true);
        expect(lines.at(-1)!).toMatch(/^fcgi-doctor[ :]/);
      }),
      RUNS,
    );
  });

  it('nagios: one line, whatever the finding or the failure says', () => {
    fc.assert(
      fc.property(findings, hostile, fc.constantFrom(0, 1, 2), (fs, s, exitCode) => {
        for (const out of [
          formatNagios({ findings: fs, exitCode, failure: s, okText: s }).text,
          formatNagiosUnknown(s),
        ]) {
          expect(rawControls(out.replace(/\n$/, ''), '')).toEqual([]);
          expect(out.endsWith('\n')).toBe(true);
        }
      }),
      RUNS,
    );
  });
});

describe('what the CLI echoes of its arguments', () => {
  it('explain of an id holding a terminal escape: escaped on stderr, exit 2', async () => {
    const r = await run(['explain', '\u001b]0;x\u0007\u009b2J']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no finding id or log rule');
    expect(rawControls(r.stderr, '\n')).toEqual([]);
    expect(r.stderr).toContain('\\e]0;x\\x07');
  });

  it("an unknown option holding one: escaped in commander's error", async () => {
    const r = await run(['ping', '--\u001b[2Jx']);
    expect(r.code).toBe(2);
    expect(rawControls(r.stderr, '\n')).toEqual([]);
  });
});

describe('a hostile log line and a hostile configuration line, through the CLI, in every format', () => {
  it('logs and check --offline: no raw ESC, BEL or BS on stdout', async () => {
    const dir = makeTempDir('ctl');
    try {
      const log = dir.join('error.log');
      writeFileSync(
        log,
        `2024/03/05 10:12:01 [error] 812#812: *41 FastCGI sent in stderr: "Unable to open primary script: /var/www/html/x\u001b]0;PWN\u0007\b\u009b2J.php (No such file or directory)" while reading response header from upstream, client: 203.0.113.9, server: example.com, request: "GET /index.php HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.com"\n`,
      );
      const conf = dir.join('site.conf');
      writeFileSync(
        conf,
        '<VirtualHost *:80>\nDocumentRoot /srv/www\n<Directory /srv/www>\nOptions FollowSymLinks +ExecCGI\u001b]0;PWN\u0007\b\n</Directory>\n</VirtualHost>\n',
      );
      for (const format of ['text', 'json', 'sarif', 'github', 'nagios', 'jsonl']) {
        for (const args of [
          ['logs', log],
          ['check', '--offline', conf],
        ]) {
          const r = await run([...args, '--format', format]);
          const what = `${args[0]} --format ${format}`;
          expect(r.code, `${what}\n${r.stdout}${r.stderr}`).not.toBe(format === 'nagios' ? 3 : 2);
          expect(rawControls(r.stdout, '\n\t'), what).toEqual([]);
          if (format !== 'nagios') expect(r.stdout, what).toMatch(/PWN/);
        }
      }
    } finally {
      dir.remove();
    }
  });
});

describe('a hostile backend, through ping, in every format', () => {
  it('control characters in its status line, headers, body and stderr reach no format raw', async () => {
    const dir = makeTempDir('ctl-ping');
    const stdout = Buffer.from(
      'Status: 502 Bad\u001b]0;PWN\u0007Gateway\r\nX-Err: \u001b[2J\b\u009b1m\r\nContent-Type: text/plain\r\n\r\nbody \u001b]0;PWN\u0007\n',
    );
    const server = await hostileServer({ path: dir.join('b.sock') }, (socket) =>
      afterRequest(socket, (id) => {
        for (const r of encodeStream(RecordType.STDOUT, id, stdout)) socket.write(r);
        for (const r of encodeStream(RecordType.STDERR, id, Buffer.from('PHP Fatal \u001b]0;PWN\u0007 error\n')))
          socket.write(r);
        socket.end(encodeEndRequest(id, 0, 0));
      }),
    );
    try {
      for (const format of ['text', 'json', 'sarif', 'github', 'nagios', 'jsonl']) {
        const r = await run(['ping', server.address, '--format', format]);
        expect(r.code, `${format}\n${r.stdout}${r.stderr}`).toBe(format === 'nagios' ? 2 : 1);
        expect(rawControls(r.stdout, '\n\t'), format).toEqual([]);
        expect(rawControls(r.stderr, '\n'), format).toEqual([]);
      }
    } finally {
      await server.close();
      dir.remove();
    }
  });
});
