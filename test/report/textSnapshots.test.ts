/**
 * The terminal report as a person sees it, colour off and on, for the seed's
 * vhost, a noisy log and a ping. Machine-specific bits (the checkout's path,
 * temp paths, pids, timings, the version) are replaced before comparing.
 * After an intended change of wording: npx vitest run -u test/report/textSnapshots.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../src/cli/version.js';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { makeTempDir, type TempDir } from '../client/support.js';
import { fixture, ROOT, run } from './support.js';

function normalize(text: string, tempDir?: string): string {
  let out = text;
  if (tempDir) out = out.split(tempDir).join('<tmp>');
  return out
    .split(ROOT)
    .join('<repo>')
    .split(`fcgi-doctor/${TOOL_VERSION}`)
    .join('fcgi-doctor/<version>')
    .replace(/\b(\d+(?:\.\d+)?) ms\b/g, '<n> ms')
    .replace(/\bpid \d+/g, 'pid <pid>')
    .replace(/(X-Fcgi-Doctor-Pid(?:\u001b\[\d+m)*: )\d+/g, '$1<pid>')
    .replace(/\u001b/g, '␛');
}

const COLOURS = [
  { name: 'plain', env: { NO_COLOR: '1' } },
  { name: 'colour', env: { FORCE_COLOR: '1' } },
] as const;

describe('terminal report snapshots', () => {
  let dir: TempDir;
  let app: RunningServer;
  let sock: string;
  beforeAll(async () => {
    dir = makeTempDir('snap');
    sock = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: sock });
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  for (const { name, env } of COLOURS) {
    it(`check --offline fixtures/seed/lazy-vhost (${name})`, async () => {
      const r = await run(['check', '--offline', fixture('seed', 'lazy-vhost')], { env });
      expect(r.code).toBe(1);
      if (name === 'colour') expect(r.stdout).toContain('\u001b[');
      else expect(r.stdout).not.toContain('\u001b[');
      await expect(normalize(r.stdout)).toMatchFileSnapshot(`__snapshots__/check-lazy-vhost.${name}.txt`);
    });

    it(`logs fixtures/logs/mixed-noise.log (${name})`, async () => {
      const r = await run(['logs', fixture('logs', 'mixed-noise.log')], { env });
      expect(r.code).toBe(1);
      await expect(normalize(r.stdout)).toMatchFileSnapshot(`__snapshots__/logs-mixed-noise.${name}.txt`);
    });

    it(`ping of the stand-in app, and of a socket nobody listens on (${name})`, async () => {
      const ok = await run(['ping', sock, '--script', '/srv/app/index.php'], { env });
      expect(ok.code).toBe(0);
      const down = await run(['ping', dir.join('absent.sock')], { env });
      expect(down.code).toBe(1);
      await expect(`${normalize(ok.stdout, dir.path)}\n---\n\n${normalize(down.stdout, dir.path)}`).toMatchFileSnapshot(
        `__snapshots__/ping.${name}.txt`,
      );
    });
  }
});
