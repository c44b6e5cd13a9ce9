/**
 * The request step of `check` on a socket the web server's user may not use:
 * the doctor (root) gets its answer, Apache would get a 503. The request must
 * be shown as made as that user, never as a ✓, with why it proves nothing.
 * A real stand-in backend on a real socket; the probes' verdict is injected.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { runCheck, type ProbeRunner } from '../../../src/checks/run.js';
import { summarizeCheck } from '../../../src/report/checkSummary.js';
import { formatCheckText } from '../../../src/report/checkText.js';
import { loadStyle } from '../../../src/report/style.js';
import { startServer, type RunningServer } from '../../../src/server/listen.js';
import { BASE, PROXY } from '../config/helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function backend(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fcgi-madeas-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.sock');
  const server: RunningServer = await startServer({ kind: 'unix', path });
  cleanups.push(() => server.close());
  return path;
}

const ROOT = '/srv/httpd.conf';
const conf = (sock: string) =>
  `${BASE}${PROXY}User www-data\nGroup www-data\nDocumentRoot /var/www/html\n<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:${sock}|fcgi://localhost"\n</FilesMatch>\n`;

/** What socketPermissionCheck reports, at the SetHandler line (line 12 of conf()). */
const deniedProbe: ProbeRunner = async (model) => {
  const s = model.setups[0]!;
  return {
    findings: [
      {
        id: 'socket-permission-denied',
        severity: 'error',
        title: 'denied',
        message: 'www-data may not connect',
        location: { file: s.definedAt.file, line: s.definedAt.line },
        evidence: [{ kind: 'probe', text: 'DENIED w for www-data' }],
      },
    ],
    notices: [],
  };
};
const quietProbe: ProbeRunner = async () => ({ findings: [], notices: [] });

async function check(probes: ProbeRunner) {
  const sock = await backend();
  const report = await runCheck(
    {
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: conf(sock) }),
      env: {},
      offline: false,
      timeoutMs: 3000,
      toolVersion: 'test',
    },
    probes,
  );
  return { report, summary: summarizeCheck(report), sock };
}

describe('check: a request the web server could not make', () => {
  it("is marked as made by the doctor's user, in the summary, the text and the denial's evidence", async () => {
    const { report, summary } = await check(deniedProbe);
    const request = summary.setups[0]?.request;
    expect(request?.status).toBe(200);
    expect(request?.madeAs?.webUser).toBe('www-data');
    expect(request?.madeAs?.why).toContain('does not show that the site works');
    const denied = report.findings.find((f) => f.id === 'socket-permission-denied');
    expect(
      denied?.evidence
        .filter((e) => e.kind === 'request')
        .map((e) => e.text)
        .join('\n'),
    ).toMatch(/: 200( OK)? to a request made as .*not a request www-data could make/);
    const text = formatCheckText(await loadStyle(false), summary, report.findings, { exitCode: 1 });
    expect(text).not.toMatch(/✓ request/);
    expect(text).toMatch(/! request {3}200 OK as \S+ in/);
  });

  it('stays a plain ✓ when the probes found nothing wrong with the socket', async () => {
    const { report, summary } = await check(quietProbe);
    expect(summary.setups[0]?.request?.status).toBe(200);
    expect(summary.setups[0]?.request?.madeAs).toBeUndefined();
    expect(formatCheckText(await loadStyle(false), summary, report.findings, { exitCode: 0 })).toMatch(
      /✓ request {3}200 OK in/,
    );
  });
});
