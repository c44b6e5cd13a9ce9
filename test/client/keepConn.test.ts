/**
 * Connections kept open across requests (FCGI_KEEP_CONN): a late answer to a
 * request we gave up on must not be taken for another's, and a backend that
 * ignores KEEP_CONN must not turn a load test into failures.
 */
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FcgiConnection } from '../../src/client/connection.js';
import { runLoad } from '../../src/client/load.js';
import { parseTarget } from '../../src/client/target.js';
import { encodeEndRequest, encodeStream, RecordDecoder, RecordType } from '../../src/protocol/index.js';
import { hostileServer, makeTempDir, type Hostile } from './support.js';

const reply = (id: number, body: string) =>
  Buffer.concat([
    ...encodeStream(RecordType.STDOUT, id, Buffer.from(`Status: 200\r\n\r\n${body}`)),
    encodeEndRequest(id, 0, 0),
  ]);

/** Calls back for each request whose STDIN stream has ended, with its id. */
function onRequests(socket: net.Socket, then: (id: number) => void): void {
  const decoder = new RecordDecoder();
  socket.on('data', (chunk: Buffer) => {
    for (const r of decoder.push(chunk)) if (r.type === RecordType.STDIN && r.content.length === 0) then(r.requestId);
  });
}

let servers: Hostile[] = [];
const dirs: Array<{ remove(): void }> = [];
afterEach(async () => {
  for (const s of servers) await s.close();
  servers = [];
  for (const d of dirs.splice(0)) d.remove();
});

const options = {
  params: [['SCRIPT_FILENAME', '/x']] as Array<[string, string]>,
  keepConn: true,
  maxResponseBytes: 1 << 20,
  maxStderrBytes: 1 << 16,
};

describe('keep-conn connections', () => {
  it('ignores the late answer of a timed-out request and answers the next one rightly', async () => {
    const dir = makeTempDir('keepconn');
    dirs.push(dir);
    let first = true;
    const server = await hostileServer({ path: dir.join('late.sock') }, (socket) =>
      onRequests(socket, (id) => {
        if (first) {
          first = false;
          // Answers the first request only after the client gave up on it.
          setTimeout(() => socket.write(reply(id, 'late')), 150);
        } else {
          setTimeout(() => socket.write(reply(id, 'second')), 200);
        }
      }),
    );
    servers.push(server);
    const conn = await FcgiConnection.open(parseTarget(server.address), 1000);
    await expect(conn.request({ ...options, timeoutMs: 50 })).rejects.toMatchObject({ code: 'timeout' });
    const second = await conn.request({ ...options, timeoutMs: 2000 });
    expect(second.stdout.toString()).toContain('second');
    expect(second.requestId).not.toBe(1);
    conn.close();
  });

  it('resends once on a fresh connection when a backend closes a kept connection', async () => {
    const dir = makeTempDir('keepconn');
    dirs.push(dir);
    let connections = 0;
    const server = await hostileServer({ path: dir.join('closes.sock') }, (socket) => {
      connections++;
      // Ignores FCGI_KEEP_CONN: answers, then closes. The client learns of the close
      // only after it has written its next request on the connection.
      onRequests(socket, (id) => {
        socket.end(reply(id, 'ok'));
      });
    });
    servers.push(server);
    const result = await runLoad(parseTarget(server.address), {
      ...options,
      count: 40,
      concurrency: 2,
      timeoutMs: 2000,
      accept: (r) => r.status === 200,
    });
    expect(result.failed).toBe(0);
    expect(result.completed).toBe(40);
    expect(connections).toBeGreaterThan(2);
  });
});
