/**
 * Issue 12 item 18, beyond `serve`: every command ignores SIGUSR1 (Node's
 * "open the inspector" signal, which process managers also send to ask for a
 * log reopen), from the first line of bin/, so no command run as root ever
 * listens on 127.0.0.1:9229.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, delay, ensureBuilt } from '../client/support.js';
import { exited, listeningTcpPorts } from '../server/serveProcess.js';

beforeAll(() => ensureBuilt(), 120_000);
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('SIGUSR1 to a command other than serve', () => {
  it('logs - reading an open pipe: no inspector, no exit, and the report still comes when the input ends', async () => {
    const child = spawn(process.execPath, [BIN, 'logs', '-', '--timeout', '20s'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    let stdout = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    // Past Node's own start-up, while the command waits for input.
    await delay(800);
    expect(child.exitCode).toBe(null);
    child.kill('SIGUSR1');
    await delay(700);
    expect(child.exitCode).toBe(null);
    expect(listeningTcpPorts(child.pid!)).toEqual([]);
    expect(stderr).not.toMatch(/Debugger listening|inspector/i);
    child.stdin!.end(
      "[Sun Dec 06 10:00:00.000000 2026] [proxy_fcgi:error] [pid 1:tid 2] [client 127.0.0.1:5] AH01071: Got error 'Primary script unknown'\n",
    );
    expect(await exited(child)).toBe(1);
    expect(stdout).toMatch(/Primary script unknown/);
  });
});
