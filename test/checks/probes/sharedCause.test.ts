/**
 * One cause, several setups: two vhosts use the same missing socket. The
 * probe finds it once; the report must show it under each setup (in full
 * under the first, as a reference under the others), not only the first.
 */
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../../src/apache/source.js';
import { runProbes } from '../../../src/checks/probes/index.js';
import { runCheck, type ProbeRunner } from '../../../src/checks/run.js';
import { summarizeCheck } from '../../../src/report/checkSummary.js';
import { formatCheckText } from '../../../src/report/checkText.js';
import { loadStyle } from '../../../src/report/style.js';
import { fixtureSystem } from '../../../src/system/fixture.js';
import { NOW, PHP_HANDLER, ROOT, apacheProcesses, config, PIDFILE } from './helpers.js';

const vhost = (name: string, sock: string) =>
  `<VirtualHost *:80>\nServerName ${name}\nDocumentRoot /var/www/${name}\n${PHP_HANDLER(sock)}\n</VirtualHost>`;

async function report(sockA: string, sockB: string) {
  const conf = config(`${vhost('a.test', sockA)}\n${vhost('b.test', sockB)}`);
  const system = fixtureSystem({ files: { [PIDFILE]: '100\n' }, processes: apacheProcesses() });
  const probes: ProbeRunner = (model, configFindings) => runProbes(model, system, { now: NOW, configFindings });
  const r = await runCheck(
    {
      root: ROOT,
      serverRoot: '/srv',
      source: new MemoryFileSource({ [ROOT]: conf }),
      env: {},
      offline: false,
      timeoutMs: 2000,
      toolVersion: 'test',
    },
    probes,
  );
  return { r, text: formatCheckText(await loadStyle(false), summarizeCheck(r), r.findings, { exitCode: 1 }) };
}

/** The block of one setup: from its header line to the next setup's. */
function blockOf(text: string, file: string, line: number): string {
  const blocks = text.split(/\n(?=[✓✗!?] \S+ · )/);
  return blocks.find((b) => b.split('\n')[0]?.endsWith(`${file}:${line}`)) ?? '';
}

describe('a cause shared by two setups', () => {
  it('socket-missing appears under both setups, once in full', async () => {
    const gone = '/run/fcgi-doctor-test-nowhere/gone.sock';
    const { r, text } = await report(gone, gone);
    const [a, b] = r.model.setups;
    expect(r.findings.filter((f) => f.id === 'socket-missing')).toHaveLength(1);
    const first = blockOf(text, a!.definedAt.file, a!.definedAt.line);
    const second = blockOf(text, b!.definedAt.file, b!.definedAt.line);
    expect(first).toMatch(/^✗ /);
    expect(first).toContain('[socket-missing]');
    expect(first).toContain(`Apache connects to ${gone}`);
    expect(second).toMatch(/^✗ /);
    expect(second).toContain('[socket-missing]');
    expect(second).toContain(
      `the same cause is shown in full under the setup at ${a!.definedAt.file}:${a!.definedAt.line}`,
    );
  });

  it("a setup with its own healthy-looking endpoint gets no reference to the other's cause", async () => {
    const { r, text } = await report('/run/fcgi-doctor-test-nowhere/a.sock', '/run/fcgi-doctor-test-nowhere/b.sock');
    const [a, b] = r.model.setups;
    const first = blockOf(text, a!.definedAt.file, a!.definedAt.line);
    const second = blockOf(text, b!.definedAt.file, b!.definedAt.line);
    expect(first).not.toContain('the same cause');
    expect(second).not.toContain('the same cause');
    expect(second).toContain('Apache connects to /run/fcgi-doctor-test-nowhere/b.sock');
  });
});
