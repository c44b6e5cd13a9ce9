/**
 * Shared by the client, server and CLI tests: temp dirs, a captured CliIO,
 * throwaway servers written with node:net, and a build of dist/ for the tests
 * that run the real bin.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CliIO } from '../../src/cli/io.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'fcgi-doctor.cjs');

export interface TempDir {
  path: string;
  join(...parts: string[]): string;
  remove(): void;
}

export function makeTempDir(label: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `fcgi-doctor-test-${label}-`));
  return {
    path,
    join: (...parts) => join(path, ...parts),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

export interface CapturedIO extends CliIO {
  out: string[];
  err: string[];
  readonly stdoutText: string;
  readonly stderrText: string;
}

export function captureIO(stdin: Buffer | string = ''): CapturedIO {
  const out: string[] = [];
  const err: string[] = [];
  const input = new PassThrough();
  input.end(stdin);
  return {
    out,
    err,
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: {},
    stdin: input,
    get stdoutText() {
      return out.join('');
    },
    get stderrText() {
      return err.join('');
    },
  };
}

export interface Hostile {
  server: net.Server;
  /** the address to pass to the client: a socket path or 127.0.0.1:port */
  address: string;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A server whose connection handler is the test's hostile behaviour. */
export async function hostileServer(
  where: { path: string } | { tcp: true },
  onConnection: (socket: net.Socket) => void,
): Promise<Hostile> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    if ('path' in where) server.listen(where.path, resolveListen);
    else server.listen(0, '127.0.0.1', resolveListen);
  });
  const address = 'path' in where ? where.path : `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return {
    server,
    address,
    sockets,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolveClose());
      }),
  };
}

/** Reads whole FastCGI records off a socket until the client's STDIN stream ends, then calls back. */
export function afterRequest(socket: net.Socket, then: (requestId: number) => void): void {
  let buf = Buffer.alloc(0);
  let done = false;
  socket.on('data', (chunk: Buffer) => {
    if (done) return;
    buf = Buffer.concat([buf, chunk]);
    let offset = 0;
    while (buf.length - offset >= 8) {
      const type = buf[offset + 1]!;
      const id = buf.readUInt16BE(offset + 2);
      const len = buf.readUInt16BE(offset + 4);
      const pad = buf[offset + 6]!;
      if (buf.length - offset < 8 + len + pad) break;
      offset += 8 + len + pad;
      if (type === 5 && len === 0) {
        done = true;
        then(id);
        return;
      }
    }
    buf = buf.subarray(offset);
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|ya?ml|md)$/.test(entry.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds dist/ when it is missing or older than the sources the CLI runs
 * (npm test builds first; this covers `npx vitest run` on its own). The bin
 * runs the esbuild bundle, dist/bundle/main.cjs. A lock
 * directory keeps test files running in parallel from building at once.
 */
export async function ensureBuilt(): Promise<void> {
  const main = join(ROOT, 'dist', 'bundle', 'main.cjs');
  const stale = () => {
    try {
      const built = statSync(main).mtimeMs;
      // The bundle holds the rules and the pages too, compiled (src/catalog).
      const inputs = [
        ...readdirSync(join(ROOT, 'src')).map((d) => join(ROOT, 'src', d)),
        join(ROOT, 'rules'),
        join(ROOT, 'docs', 'findings'),
      ];
      return inputs.some((d) => newestMtime(d) > built);
    } catch {
      return true;
    }
  };
  if (!stale()) return;
  // In the run's directory (test/setup/privateTmp.ts), shared by every file, not in the file's own.
  const lock = join(process.env.FCGI_DOCTOR_TEST_TMP ?? tmpdir(), 'fcgi-doctor-test-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${lock} held for 2 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (stale()) rebuild();
  } finally {
    rmdirSync(lock);
  }
}

/** Runs one build step in the package root; throws (with its output) when the step fails. */
export type BuildStep = (command: string, args: string[]) => void;

const runInRoot: BuildStep = (command, args) => {
  execFileSync(command, args, { cwd: ROOT, stdio: 'pipe' });
};

/**
 * `npm run build`: the type check, the rule check, the bundles and the code
 * cache, in that order. A failed type check fails the tests that run the bin:
 * bundling anyway (esbuild ignores types) would test code that does not
 * compile, and hide the error behind passing tests.
 */
export function rebuild(run: BuildStep = runInRoot): void {
  try {
    run('npm', ['run', 'build', '--silent']);
  } catch (err) {
    const e = err as { stdout?: Buffer | string; stderr?: Buffer | string; message?: string };
    const output = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim() || e.message || String(err);
    throw new Error(
      `npm run build failed (type check, rule check or bundle): the CLI tests run the built bin, so nothing was bundled.\n${output}`,
    );
  }
}

/**
 * A test that needs something this machine may lack (python3, root): true
 * when it is there. Without it, a skip on a developer's machine, and under CI
 * a failure, as for the test servers (test/integration/harness/requireServer.ts):
 * a CI job that silently skips proves nothing.
 */
export function requireForTest(what: string, available: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (available) return true;
  if (env.CI) throw new Error(`${what}: on CI a missing prerequisite is a failure, not a skip.`);
  return false;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
