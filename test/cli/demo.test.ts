/**
 * `npm run demo` is the first thing a newcomer runs: what it prints must be
 * true of the setup it shows, and its commands must paste into a shell.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../client/support.js';

describe('npm run demo', () => {
  it('checks and pings the stand-in app, with nothing false or unquoted in what it prints', async () => {
    await ensureBuilt();
    const r = await execa(process.execPath, [join(ROOT, 'scripts', 'demo.js')], {
      cwd: ROOT,
      reject: false,
      env: { NO_COLOR: '1' },
      timeout: 60_000,
    });
    const out = String(r.stdout);
    expect(r.exitCode, `${out}\n${r.stderr}`).toBe(0);
    expect(out).toContain('(check: exit 0)');
    expect(out).toContain('(ping: exit 0)');
    // A vhost read on its own names no User and loads no module: say so, not "?" or "no FastCGI module loaded" beside a FastCGI setup.
    expect(out).not.toMatch(/user \?|group \?/);
    expect(out).not.toContain('no FastCGI module loaded');
    // Users do not know what "the seed" is (issue 12 item 9): not even in a file name the demo prints.
    expect(out).not.toMatch(/seed/i);
    expect(out).toMatch(/^ {2}web server {5}user and group not named in this configuration/m);
    expect(out).toMatch(
      /^ {2}modules {8}unknown: this file was read without the server configuration \(--root names it\)$/m,
    );
    expect(out).toMatch(/^! fastcgi · external/m);
    // Each command as a shell reads it back.
    expect(out).toMatch(
      /^\$ fcgi-doctor ping \S+ --script \/var\/www\/test\/htdocs\/app\.py --expect-body 'FastCGI works'$/m,
    );
  }, 90_000);

  it('a reader that leaves early (npm run demo | head) still gets the stand-in app stopped and its directory removed', async () => {
    await ensureBuilt();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.js')], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).not.toBeNull();
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('fcgi-doctor-demo-'))).toEqual([]);
  }, 90_000);
});
