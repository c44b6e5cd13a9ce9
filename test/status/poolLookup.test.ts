import { afterEach, describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import { poolStatus, type PoolFacts } from '../../src/status/index.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { afterRequest, hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let server: RunningServer | Hostile | undefined;
let second: Hostile | undefined;
let dir: TempDir | undefined;
afterEach(async () => {
  await server?.close();
  await second?.close();
  second = undefined;
  dir?.remove();
  server = undefined;
  dir = undefined;
});

/** The stand-in app, recording the SCRIPT_NAME of each request. */
async function recordingServer(): Promise<{ sock: string; asked: string[] }> {
  dir = makeTempDir('status-lookup');
  const sock = dir.join('app.sock');
  const asked: string[] = [];
  server = await startServer(
    { kind: 'unix', path: sock },
    { onRequest: (r) => asked.push(r.params.find(([n]) => n === 'SCRIPT_NAME')?.[1] ?? '') },
  );
  return { sock, asked };
}

const pool = (statusPath?: string): PoolFacts => ({
  name: 'www',
  file: '/etc/php/8.2/fpm/pool.d/www.conf',
  line: 1,
  statusPathAt: '/etc/php/8.2/fpm/pool.d/www.conf:1',
  ...(statusPath ? { statusPath } : {}),
});
const opts = { timeoutMs: 2000, thresholds: { failOnNew: [] } };

describe('poolStatus looks for the pool file once its first request has an answer', () => {
  it('asks /status once when the pool file says /status, or says nothing', async () => {
    const { sock, asked } = await recordingServer();
    const hints: unknown[] = [];
    const report = await poolStatus({ kind: 'unix', path: sock }, opts, {
      findPool: (hint) => {
        hints.push(hint);
        return pool('/status');
      },
      describeClientError: findingForClientError,
    });
    expect(asked).toEqual(['/status']);
    // The stand-in's answer is no status page: nothing to go by, the caller searches.
    expect(hints).toEqual([undefined]);
    expect(report.path).toBe('/status');
    await poolStatus({ kind: 'unix', path: sock }, opts, {
      findPool: () => undefined,
      describeClientError: findingForClientError,
    });
    expect(asked).toEqual(['/status', '/status']);
  });

  it("asks the pool file's own status path when it is another one", async () => {
    const { sock, asked } = await recordingServer();
    const report = await poolStatus({ kind: 'unix', path: sock }, opts, {
      findPool: () => pool('/fpm-status'),
      describeClientError: findingForClientError,
    });
    expect(asked).toEqual(['/status', '/fpm-status']);
    expect(report.path).toBe('/fpm-status');
    expect(report.pathSource).toBe('pool-file');
  });

  it("hands the caller the pool's name and its workers' ids from the status page", async () => {
    dir = makeTempDir('status-lookup');
    const page = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', 'status-unix-static.json'));
    const hostile = await hostileServer({ path: dir.join('fpm.sock') }, (socket) =>
      afterRequest(socket, (id) =>
        socket.end(
          Buffer.concat([
            ...encodeStream(
              RecordType.STDOUT,
              id,
              Buffer.concat([Buffer.from('Content-Type: application/json\r\n\r\n'), page]),
            ),
            encodeEndRequest(id, 0, 0),
          ]),
        ),
      ),
    );
    server = hostile;
    const expected = JSON.parse(page.toString()) as { pool: string; processes: Array<{ pid: number }> };
    const hints: unknown[] = [];
    const report = await poolStatus({ kind: 'unix', path: hostile.address }, opts, {
      findPool: (hint) => {
        hints.push(hint);
        return pool('/status');
      },
      describeClientError: findingForClientError,
    });
    expect(hints).toEqual([{ pool: expected.pool, pids: expected.processes.map((p) => p.pid) }]);
    expect(expected.processes.length).toBeGreaterThan(0);
    expect(report.pathSource).toBe('pool-file');
  });
});

/** A backend that answers the status page from the fixture, as PHP-FPM does. */
function statusPageAnswer(socket: import('node:net').Socket): void {
  const page = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', 'status-unix-static.json'));
  afterRequest(socket, (id) =>
    socket.end(
      Buffer.concat([
        ...encodeStream(
          RecordType.STDOUT,
          id,
          Buffer.concat([Buffer.from('Content-Type: application/json\r\n\r\n'), page]),
        ),
        encodeEndRequest(id, 0, 0),
      ]),
    ),
  );
}

describe('a pool whose workers are all busy, with pm.status_listen', () => {
  it('reads the status at pm.status_listen once the pool socket has not answered within the head start', async () => {
    dir = makeTempDir('status-lookup');
    let open = 0;
    // Every worker busy: the connection is accepted (the listen queue) and nothing answers.
    const busy = await hostileServer({ path: dir.join('pool.sock') }, (socket) => {
      open++;
      socket.on('close', () => open--);
      socket.resume();
    });
    server = busy;
    second = await hostileServer({ path: dir.join('status.sock') }, statusPageAnswer);
    const hints: unknown[] = [];
    const started = Date.now();
    const report = await poolStatus(
      { kind: 'unix', path: busy.address },
      { ...opts, timeoutMs: 5000 },
      {
        findPool: (hint) => {
          hints.push(hint);
          return { ...pool('/status'), statusListen: second?.address ?? '', statusListenAt: 'www.conf:9' };
        },
        describeClientError: findingForClientError,
      },
    );
    const elapsed = Date.now() - started;
    expect(report.status?.pool).toBe('uds');
    expect(report.statusListen?.target).toContain(second.address);
    // One search (no page named the pool), well within the 5 s deadline.
    expect(hints).toEqual([undefined]);
    expect(elapsed).toBeLessThan(2500); // half the deadline
    // The request queued at the pool's socket was abandoned, not left open until the deadline.
    await new Promise((r) => setTimeout(r, 50));
    expect(open).toBe(0);
  });

  it('without pm.status_listen, the read at the pool socket goes on to the same deadline', async () => {
    dir = makeTempDir('status-lookup');
    const busy = await hostileServer({ path: dir.join('pool.sock') }, () => undefined);
    server = busy;
    const started = Date.now();
    const report = await poolStatus(
      { kind: 'unix', path: busy.address },
      { ...opts, timeoutMs: 1000 },
      {
        findPool: () => pool('/status'),
        describeClientError: findingForClientError,
      },
    );
    expect(report.status).toBeUndefined();
    expect(report.healthy).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(report.statusListen).toBeUndefined();
  });
});
