import { afterEach, describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { poolStatus, type PoolFacts } from '../../src/status/index.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { makeTempDir, type TempDir } from '../client/support.js';

let server: RunningServer | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await server?.close();
  dir?.remove();
  server = undefined;
  dir = undefined;
});

/** The stand-in app, recording the SCRIPT_NAME of each request. */
async function recordingServer(): Promise<{ sock: string; asked: string[] }> {
  dir = makeTempDir('status-lookup');
  const sock = dir.join('app.sock');
  const asked: string[] = [];
  server = await startServer({ kind: 'unix', path: sock }, { onRequest: (r) => asked.push(r.params.find(([n]) => n === 'SCRIPT_NAME')?.[1] ?? '') });
  return { sock, asked };
}

const pool = (statusPath?: string): PoolFacts => ({ name: 'www', file: '/etc/php/8.2/fpm/pool.d/www.conf', line: 1, statusPathAt: '/etc/php/8.2/fpm/pool.d/www.conf:1', ...(statusPath ? { statusPath } : {}) });
const opts = { timeoutMs: 2000, thresholds: { failOnNew: [] } };

describe('poolStatus looks for the pool file while its first request is out', () => {
  it('asks /status once when the pool file says /status, or says nothing', async () => {
    const { sock, asked } = await recordingServer();
    let lookups = 0;
    const report = await poolStatus({ kind: 'unix', path: sock }, opts, { findPool: () => (lookups++, pool('/status')), describeClientError: findingForClientError });
    expect(asked).toEqual(['/status']);
    expect(lookups).toBe(1);
    expect(report.path).toBe('/status');
    await poolStatus({ kind: 'unix', path: sock }, opts, { findPool: () => undefined, describeClientError: findingForClientError });
    expect(asked).toEqual(['/status', '/status']);
  });

  it("asks the pool file's own status path when it is another one", async () => {
    const { sock, asked } = await recordingServer();
    const report = await poolStatus({ kind: 'unix', path: sock }, opts, { findPool: () => pool('/fpm-status'), describeClientError: findingForClientError });
    await new Promise((r) => setTimeout(r, 50));
    expect(asked.sort()).toEqual(['/fpm-status', '/status']);
    expect(report.path).toBe('/fpm-status');
    expect(report.pathSource).toBe('pool-file');
  });
});
