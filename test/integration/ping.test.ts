/**
 * `fcgi-doctor ping` (the built bin, as a child process) against real
 * FastCGI servers: PHP-FPM, uWSGI with the python3 plugin, fcgiwrap and a
 * libfcgi-perl app, each started under a private configuration.
 */
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointToString } from './harness/endpoint.js';
import { CGI_ENV_SCRIPT, startFcgiwrap, type FcgiwrapServer } from './harness/fcgiwrap.js';
import { startPerlFcgi, type PerlFcgiServer } from './harness/perlFcgi.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli, requirePerlModule } from './harness/requireServer.js';
import { makeTempDir } from './harness/tempdir.js';
import { startUwsgi, type UwsgiServer } from './harness/uwsgi.js';

const built = requireBuiltCli();

async function ping(args: string[]) {
  const r = await execa(process.execPath, [BIN, 'ping', ...args], { reject: false, timeout: 30_000 });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function pingJson(args: string[]) {
  const r = await ping([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  return { code: r.code, json: JSON.parse(r.stdout) };
}

describe.skipIf(!built || !hasBinary(BINARIES.phpFpm))('ping against PHP-FPM', () => {
  let fpm: PhpFpmServer;
  let fpmTcp: PhpFpmServer;
  beforeAll(async () => {
    fpm = await startPhpFpm({
      scripts: {
        'hello.php': '<?php header("X-Test: yes"); echo "hello from php ", PHP_MAJOR_VERSION;',
        'big.php': '<?php echo str_repeat("y", 5 * 1024 * 1024);',
        'post.php': '<?php $b = file_get_contents("php://input"); echo strlen($b), " ", md5($b);',
        'warn.php': '<?php error_log("something odd"); echo "ok";',
        'fatal.php': '<?php undefined_function();',
      },
      pingPath: '/ping',
      maxChildren: 2,
    });
    fpmTcp = await startPhpFpm({ listen: { kind: 'tcp' }, scripts: { 'hello.php': '<?php echo "tcp";' } });
  });
  afterAll(async () => {
    await fpm?.stop();
    await fpmTcp?.stop();
  });

  it('runs a script and exits 0', async () => {
    const { code, json } = await pingJson([
      endpointToString(fpm.endpoint),
      '--script',
      `${fpm.docRoot}/hello.php`,
      '--expect-body',
      '^hello from php 8',
    ]);
    expect(code).toBe(0);
    expect(json.response.status).toBe(200);
    expect(json.response.headers['X-Test']).toBe('yes');
    expect(json.response.protocolStatus).toBe('REQUEST_COMPLETE');
    expect(json.summary.error).toBe(0);
  });

  it('answers pong on ping.path, as a container health check asks', async () => {
    const sock = fpm.endpoint.kind === 'unix' ? fpm.endpoint.path : '';
    for (const target of [sock, `unix:${sock}`, `unix:${sock}|fcgi://localhost/`]) {
      const r = await ping([target, '--script', '/ping', '--expect-body', 'pong']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('pong');
    }
  });

  it('reaches a TCP pool through fcgi:// and host:port', async () => {
    const where = endpointToString(fpmTcp.endpoint);
    for (const target of [where, `fcgi://${where}`, `tcp://${where}`]) {
      const { code, json } = await pingJson([target, '--script', `${fpmTcp.docRoot}/hello.php`]);
      expect(code).toBe(0);
      expect(json.response.body).toBe('tcp');
    }
  });

  it('reports Primary script unknown for a missing script, exit 1', async () => {
    const { code, json } = await pingJson([endpointToString(fpm.endpoint), '--script', `${fpm.docRoot}/nope.php`]);
    expect(code).toBe(1);
    expect(json.response.status).toBe(404);
    expect(json.findings.map((f: { id: string }) => f.id)).toContain('primary-script-unknown');
    expect(json.response.stderr).toMatch(/Primary script unknown/);
  });

  it('fails --expect-status and --expect-body that do not hold', async () => {
    const a = await pingJson([
      endpointToString(fpm.endpoint),
      '--script',
      `${fpm.docRoot}/hello.php`,
      '--expect-status',
      '201',
    ]);
    expect(a.code).toBe(1);
    expect(a.json.findings[0].id).toBe('backend-error-status');
    const b = await pingJson([
      endpointToString(fpm.endpoint),
      '--script',
      `${fpm.docRoot}/hello.php`,
      '--expect-body',
      'goodbye',
    ]);
    expect(b.code).toBe(1);
    expect(b.json.findings.map((f: { id: string }) => f.id)).toEqual(['expectation-failed']);
  });

  it('reports a fatal error as a 500 with the application error', async () => {
    const { code, json } = await pingJson([endpointToString(fpm.endpoint), '--script', `${fpm.docRoot}/fatal.php`]);
    expect(code).toBe(1);
    expect(json.response.status).toBe(500);
    expect(json.findings[0].id).toBe('backend-error-status');
  });

  it('sends a 1 MiB POST body and receives a 5 MiB response intact', async () => {
    const dir = makeTempDir('ping-body');
    try {
      const body = Buffer.alloc(1024 * 1024, 0);
      for (let i = 0; i < body.length; i++) body[i] = (i * 31 + 7) & 0xff;
      const file = join(dir.path, 'body.bin');
      writeFileSync(file, body);
      const { createHash } = await import('node:crypto');
      const md5 = createHash('md5').update(body).digest('hex');
      const post = await pingJson([
        endpointToString(fpm.endpoint),
        '--script',
        `${fpm.docRoot}/post.php`,
        '--body-file',
        file,
      ]);
      expect(post.code).toBe(0);
      expect(post.json.response.body).toBe(`${body.length} ${md5}`);
      const big = await pingJson([endpointToString(fpm.endpoint), '--script', `${fpm.docRoot}/big.php`]);
      expect(big.code).toBe(0);
      expect(big.json.response.body.length).toBe(5 * 1024 * 1024);
      expect(/^y+$/.test(big.json.response.body)).toBe(true);
    } finally {
      dir.remove();
    }
  });

  it('answers --get-values', async () => {
    const { code, json } = await pingJson([endpointToString(fpm.endpoint), '--get-values']);
    expect(code).toBe(0);
    // PHP-FPM 8.2 answers only FCGI_MPXS_CONNS=0: it does not multiplex.
    expect(json.values).toEqual({ FCGI_MPXS_CONNS: '0' });
  });

  it('runs a small load test against ping.path', async () => {
    const { code, json } = await pingJson([
      endpointToString(fpm.endpoint),
      '--script',
      '/ping',
      '--count',
      '300',
      '--concurrency',
      '8',
    ]);
    expect(code).toBe(0);
    expect(json.load).toMatchObject({ count: 300, concurrency: 8, completed: 300, failed: 0 });
    expect(json.load.latencyMs.min).toBeLessThanOrEqual(json.load.latencyMs.median);
    expect(json.load.latencyMs.median).toBeLessThanOrEqual(json.load.latencyMs.p99);
  });

  it('reports a stopped pool as a missing socket', async () => {
    const stopped = await startPhpFpm({ scripts: { 'a.php': '<?php echo 1;' } });
    const where = endpointToString(stopped.endpoint);
    await stopped.stop();
    const { code, json } = await pingJson([where]);
    expect(code).toBe(1);
    expect(['socket-missing', 'socket-stale']).toContain(json.findings[0].id);
  });
});

describe.skipIf(!built || !hasBinary(BINARIES.uwsgi) || !hasBinary(BINARIES.uwsgiPython3))(
  'ping against uWSGI (python3 plugin)',
  () => {
    let hello: UwsgiServer;
    let echo: UwsgiServer;
    beforeAll(async () => {
      hello = await startUwsgi({ app: 'hello' });
      echo = await startUwsgi({ app: 'echo', listen: { kind: 'tcp' } });
    });
    afterAll(async () => {
      await hello?.stop();
      await echo?.stop();
    });

    it("serves the seed's hello world app", async () => {
      const r = await ping([
        endpointToString(hello.endpoint),
        '--script',
        hello.appPath,
        '--expect-body',
        'Hello world!',
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('<h1>Hello world!</h1>');
    });

    it('passes parameters and headers through to the WSGI environ', async () => {
      const { code, json } = await pingJson([
        endpointToString(echo.endpoint),
        '--uri',
        '/app?x=1',
        '--param',
        'CUSTOM_VAR=custom',
        '--header',
        'X-Forwarded-Proto=https',
      ]);
      expect(code).toBe(0);
      const environ = JSON.parse(json.response.body);
      expect(environ.QUERY_STRING).toBe('x=1');
      expect(environ.REQUEST_URI).toBe('/app?x=1');
      expect(environ.CUSTOM_VAR).toBe('custom');
      expect(environ.HTTP_X_FORWARDED_PROTO).toBe('https');
    });

    it('--get-values: no answer to management records is information after a second, not a timeout', async () => {
      const started = Date.now();
      const { code, json } = await pingJson([endpointToString(hello.endpoint), '--get-values', '--timeout', '10s']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(code).toBe(0);
      expect(json.findings.map((f: { id: string; severity: string }) => [f.id, f.severity])).toEqual([
        ['management-records-unanswered', 'info'],
      ]);
    });
  },
);

describe.skipIf(!built || !hasBinary(BINARIES.fcgiwrap))('ping against fcgiwrap', () => {
  let wrap: FcgiwrapServer;
  beforeAll(async () => {
    wrap = await startFcgiwrap({
      scripts: { 'env.sh': CGI_ENV_SCRIPT, 'noexec.sh': { content: CGI_ENV_SCRIPT, mode: 0o644 } },
      socketMode: 0o666,
    });
  });
  afterAll(async () => {
    await wrap?.stop();
  });

  it('runs a CGI script', async () => {
    const { code, json } = await pingJson([endpointToString(wrap.endpoint), '--script', wrap.scripts['env.sh']!]);
    expect(code).toBe(0);
    expect(json.response.body).toContain(`SCRIPT_FILENAME=${wrap.scripts['env.sh']}`);
    expect(json.response.headers['X-Body-Length']).toBe('0');
  });

  it('fails on a script that is not executable', async () => {
    const { code, json } = await pingJson([endpointToString(wrap.endpoint), '--script', wrap.scripts['noexec.sh']!]);
    expect(code).toBe(1);
    expect(json.response.status).toBe(403);
  });

  it('--get-values: no answer to management records is information after a second, not a timeout', async () => {
    const started = Date.now();
    const { code, json } = await pingJson([endpointToString(wrap.endpoint), '--get-values', '--timeout', '10s']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(code).toBe(0);
    expect(json.findings.map((f: { id: string; severity: string }) => [f.id, f.severity])).toEqual([
      ['management-records-unanswered', 'info'],
    ]);
  });
});

describe.skipIf(!built || !hasBinary(BINARIES.spawnFcgi) || !requirePerlModule('FCGI', 'libfcgi-perl'))(
  'ping against a libfcgi-perl app',
  () => {
    let perl: PerlFcgiServer;
    beforeAll(async () => {
      perl = await startPerlFcgi({ socketMode: '0666' });
    });
    afterAll(async () => {
      await perl?.stop();
    });

    it('gets an answer and shows the stderr the app writes', async () => {
      const { code, json } = await pingJson([endpointToString(perl.endpoint), '--uri', '/?stderr=careful']);
      expect(code).toBe(0);
      expect(JSON.parse(json.response.body).PID).toBe(perl.pid);
      expect(json.response.stderr).toContain('careful');
      expect(json.findings.map((f: { id: string }) => f.id)).toEqual(['app-stderr']);
    });

    it('exits 1 on a 503 from the app', async () => {
      const r = await ping([endpointToString(perl.endpoint), '--uri', '/?status=503']);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('backend-error-status');
    });

    it('--get-values: no answer to management records is information after a second, not a timeout', async () => {
      const started = Date.now();
      const { code, json } = await pingJson([endpointToString(perl.endpoint), '--get-values', '--timeout', '10s']);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(code).toBe(0);
      expect(json.findings.map((f: { id: string; severity: string }) => [f.id, f.severity])).toEqual([
        ['management-records-unanswered', 'info'],
      ]);
    });
  },
);

describe.skipIf(!built || !hasBinary(BINARIES.phpFpm))(
  'ping names why PHP-FPM will not run a script, and the fix works (issue 12 items 1 and 4)',
  () => {
    let fpm: PhpFpmServer;
    let target: string;
    let nofix: string;
    beforeAll(async () => {
      fpm = await startPhpFpm({
        scripts: {
          'secret.php': '<?php echo "secret ok";',
          'notes.txt': 'not php',
          'private/inner.php': '<?php echo "inner ok";',
        },
        // The second pool checks no path before opening the script, so a missing one is FPM's "No such file or directory".
        pools: [
          {},
          { name: 'nofix', phpAdminValues: { 'cgi.fix_pathinfo': '0' } },
          { name: 'txt', limitExtensions: ['.php', '.txt'] },
        ],
      });
      target = endpointToString(fpm.endpoint);
      nofix = endpointToString(fpm.pools[1]!.endpoint);
    });
    afterAll(async () => {
      await fpm?.stop();
    });

    type Finding = { id: string; message: string; fix: string; evidence: Array<{ kind: string; text: string }> };
    const ids = (json: { findings: Finding[] }) => json.findings.map((f) => f.id);

    it('a root-owned 0600 script: script-unreadable, the missing read bit for www-data, and the fix it gives works', async () => {
      const file = `${fpm.docRoot}/secret.php`;
      chownSync(file, 0, 0);
      chmodSync(file, 0o600);
      const { code, json } = await pingJson([target, '--script', file]);
      expect(code).toBe(1);
      expect(ids(json)).toEqual(['script-unreadable']);
      const f = json.findings[0] as Finding;
      expect(f.message).toContain(
        `www-data lacks read (r) permission on the file ${file} (-rw------- root:root); the "other" bits apply (www-data is neither its owner root nor in its group root)`,
      );
      expect(f.evidence.map((e) => e.text)).toContainEqual(
        expect.stringMatching(/^PHP-FPM workers on .* run as www-data \(pid \d+: php-fpm: pool www\)$/),
      );
      expect(f.fix).not.toMatch(/limit_extensions/);
      expect(f.fix).toContain(`chgrp www-data ${file} && chmod g+r ${file}`);
      execFileSync('chgrp', ['www-data', file]);
      execFileSync('chmod', ['g+r', file]);
      const after = await pingJson([target, '--script', file, '--expect-body', 'secret ok']);
      expect(after.code).toBe(0);
    });

    it('a directory above the script that www-data may not enter: the missing search bit on that directory, and its fix works', async () => {
      const dir = `${fpm.docRoot}/private`;
      chmodSync(dir, 0o700);
      const { code, json } = await pingJson([target, '--script', `${dir}/inner.php`]);
      expect(code).toBe(1);
      expect(ids(json)).toEqual(['script-unreadable']);
      expect(json.findings[0].message).toContain(
        `www-data lacks search (x) permission on the directory ${dir} (drwx------`,
      );
      expect(json.findings[0].fix).toContain(`chmod o+x ${dir}`);
      execFileSync('chmod', ['o+x', dir]);
      expect((await pingJson([target, '--script', `${dir}/inner.php`])).code).toBe(0);
    });

    it('a .txt script: script-extension-denied (security.limit_extensions)', async () => {
      const { code, json } = await pingJson([target, '--script', `${fpm.docRoot}/notes.txt`]);
      expect(code).toBe(1);
      expect(ids(json)).toEqual(['script-extension-denied']);
      expect(json.response.stderr).toMatch(/has been denied \(see security\.limit_extensions\)/);
      expect(json.findings[0].fix).toMatch(/add its extension to security\.limit_extensions/);
      // The fix, applied (a pool that lists .txt), runs it.
      const fixed = await pingJson([
        endpointToString(fpm.pools[2]!.endpoint),
        '--script',
        `${fpm.docRoot}/notes.txt`,
        '--expect-body',
        'not php',
      ]);
      expect(fixed.code).toBe(0);
    });

    it('a missing script: primary-script-unknown, or script-missing where FPM says "No such file or directory"', async () => {
      const missing = `${fpm.docRoot}/gone.php`;
      const a = await pingJson([target, '--script', missing]);
      expect(ids(a.json)).toEqual(['primary-script-unknown']);
      const b = await pingJson([nofix, '--script', missing]);
      expect(b.code).toBe(1);
      expect(b.json.response.stderr).toContain(`Unable to open primary script: ${missing} (No such file or directory)`);
      expect(ids(b.json)).toEqual(['script-missing']);
      // The fix: put the file where the pool looks.
      writeFileSync(missing, '<?php echo "back";');
      expect((await pingJson([nofix, '--script', missing, '--expect-body', 'back'])).code).toBe(0);
    });

    it('without --script: says no script was given and that --script picks one', async () => {
      const { code, json } = await pingJson([target]);
      expect(code).toBe(1);
      expect(json.findings[0].message).toContain('No script was given: ping sent SCRIPT_FILENAME=/');
      expect(json.findings[0].message).not.toContain('does not exist');
      expect(json.findings[0].fix).toMatch(/--script/);
    });
  },
);
