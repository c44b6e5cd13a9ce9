/**
 * A backend that answers with a huge header block: the report a person
 * reads (text, github, sarif, nagios) stays small and says how much it left
 * out, JSON keeps the whole response, and the run's memory stays bounded.
 * The built bin runs as a child process so its peak memory is its own.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import { afterRequest, BIN, ensureBuilt, hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';

let dir: TempDir;
let server: Hostile | undefined;
let n = 0;
beforeAll(async () => {
  await ensureBuilt();
  dir = makeTempDir('caps');
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});
afterAll(() => dir.remove());

/** A backend that answers every request with `stdout`. */
async function backend(stdout: Buffer): Promise<string> {
  server = await hostileServer({ path: dir.join(`b${++n}.sock`) }, (socket: net.Socket) =>
    afterRequest(socket, (id) => {
      for (const r of encodeStream(RecordType.STDOUT, id, stdout)) socket.write(r);
      socket.end(encodeEndRequest(id, 0, 0));
    }),
  );
  return server.address;
}

/** The bin, with its peak resident memory (KiB) reported on exit. */
function runBin(args: string[]): Promise<{ code: number | null; stdout: string; maxRssKiB: number }> {
  const probe = `process.on('exit', () => require('fs').writeSync(2, '\\nmaxrss=' + process.resourceUsage().maxRSS + '\\n')); process.argv.splice(1, 0, ${JSON.stringify(BIN)}); require(${JSON.stringify(BIN)});`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', probe, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss=(\d+)/.exec(err);
      if (!rss) return reject(new Error(`no maxrss in stderr: ${err}`));
      resolve({ code, stdout: Buffer.concat(out).toString(), maxRssKiB: Number(rss[1]) });
    });
  });
}

const line = `X-Padding: ${'a'.repeat(60)}\r\n`;
/** 7 MB of header lines and never the blank line that ends them. */
const noEnd = Buffer.from(line.repeat(Math.ceil((7 * 1024 * 1024) / line.length)));
/** 14,000 well-formed headers, then a body. */
const manyHeaders = Buffer.from(`${'X-A: aaaaaaaaaa\r\n'.repeat(14_000)}\r\nbody`);
/** 10,000 header lines without a colon: as many "malformed header line" problems. */
const malformed = Buffer.from(`${'bad line without colon\r\n'.repeat(10_000)}\r\nbody`);
const small = Buffer.from('Content-Type: text/plain\r\n\r\nok');

const KIB = 1024;

describe('ping against a backend with a huge header block', () => {
  it('text, github, sarif and nagios stay under 32 KiB and say what they left out', async () => {
    for (const [what, stdout] of [['no end of headers', noEnd], ['14,000 headers', manyHeaders], ['10,000 malformed lines', malformed]] as const) {
      const address = await backend(stdout);
      for (const format of ['text', 'github', 'sarif', 'nagios']) {
        const r = await runBin(['ping', address, '--format', format]);
        expect(r.stdout.length, `${what}, --format ${format}`).toBeLessThan(32 * KIB);
        if (format === 'text' && stdout === manyHeaders) expect(r.stdout).toContain('… 13900 more headers (--format json lists them all)');
        if (format === 'text' && stdout === noEnd) expect(r.stdout).toMatch(/body truncated: 4096 of \d+ bytes shown/);
        if (format !== 'nagios' && stdout === malformed) expect(r.stdout).toMatch(/more evidence lines/);
      }
      await server!.close();
      server = undefined;
    }
  }, 60_000);

  it('json keeps every header', async () => {
    const address = await backend(manyHeaders);
    const r = await runBin(['ping', address, '--format', 'json']);
    const json = JSON.parse(r.stdout) as { response: { headers: Record<string, string> | Array<unknown> } };
    expect(JSON.stringify(json.response.headers).match(/aaaaaaaaaa/g)).toHaveLength(14_000);
  });

  // The client holds the response it read (up to --max-response-bytes: the
  // records as they came and the joined output), ~40 MB over a small answer
  // here; printing all of it, as before, took ~92 MB more. The bound sits
  // between the two with room for the GC's timing on a loaded machine.
  it('the 7 MB block costs the text report no more than 64 MB over a small answer', async () => {
    const smallRss = (await runBin(['ping', await backend(small)])).maxRssKiB;
    await server!.close();
    server = undefined;
    const r = await runBin(['ping', await backend(noEnd)]);
    expect(r.code).toBe(1);
    expect(r.maxRssKiB - smallRss).toBeLessThan(64 * KIB);
    expect(r.stdout.length).toBeLessThan(32 * KIB);
  });
});

/** A server configuration with `lines` SetEnv lines in a vhost; without env_module each is a finding. */
function setEnvServer(lines: number, withEnvModule: boolean): string {
  const root = dir.join(`setenv-${withEnvModule ? 'env' : 'noenv'}`);
  const conf = [
    `ServerRoot ${root}`,
    'Listen 80',
    'User www-data',
    'Group www-data',
    'LoadModule proxy_module modules/mod_proxy.so',
    'LoadModule proxy_fcgi_module modules/mod_proxy_fcgi.so',
    ...(withEnvModule ? ['LoadModule env_module modules/mod_env.so'] : []),
    '<VirtualHost *:80>',
    'ServerName a.test',
    'ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/srv/www/$1',
    ...Array.from({ length: lines }, (_, i) => `SetEnv VAR${i} value${i}`),
    '</VirtualHost>',
  ];
  mkdirSync(root);
  const file = `${root}/httpd.conf`;
  writeFileSync(file, `${conf.join('\n')}\n`);
  return file;
}

describe('check of a configuration with 50,000 SetEnv lines that each need a module not loaded', () => {
  it('text, github and sarif stay small, and cost little memory beyond the one-line nagios report of the same findings', async () => {
    const lines = 50_000;
    expect((await runBin(['check', '--offline', setEnvServer(lines, true)])).code).toBe(0);
    const conf = setEnvServer(lines, false);
    // The analysis and its 50,000 findings cost the same whatever the format: nagios prints one line of them.
    const nagios = await runBin(['check', '--offline', conf, '--format', 'nagios']);
    expect(nagios.stdout).toMatch(/^FCGI-DOCTOR CRITICAL - 50000 errors: /);
    const text = await runBin(['check', '--offline', conf]);
    expect(text.code).toBe(1);
    expect(text.stdout.length).toBeLessThan(32 * KIB);
    expect(text.stdout).toContain(`… ${lines - 5} more findings like "SetEnv needs env_module, which is not loaded" [config-syntax-error]`);
    expect(text.stdout).toContain(`${lines} errors, 0 warnings`);
    expect(text.maxRssKiB - nagios.maxRssKiB, 'text').toBeLessThan(40 * KIB);
    for (const format of ['github', 'sarif']) {
      const r = await runBin(['check', '--offline', conf, '--format', format]);
      expect(r.stdout.length, format).toBeLessThan(128 * KIB);
      expect(r.maxRssKiB - nagios.maxRssKiB, format).toBeLessThan(40 * KIB);
    }
  }, 90_000);
});
