/**
 * What the doctor says about a FIFO named by an include, held to the real
 * nginx: `nginx -t` blocks opening it (still running after two seconds, then
 * killed), so the reader's error ("nginx would wait for ever opening it") is
 * nginx's behaviour, not a guess; the reader itself never opens it. A socket
 * named by an include gets nginx's own words for it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeNginx, runNginxConfigChecks } from '../../src/checks/nginx/index.js';
import { BINARIES, hasBinary, missingReason } from './harness/requireServer.js';

const NGINX = BINARIES.nginx;
const available = hasBinary(NGINX);
const dir = mkdtempSync(path.join(tmpdir(), 'fcgi-doctor-nginx-fifo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!available)(
  `an include naming a FIFO (${available ? NGINX.path : missingReason(NGINX.name, NGINX.path, NGINX.pkg)})`,
  () => {
    it('nginx -t blocks on it; check reports an error at the include line, without opening it', () => {
      const root = path.join(dir, 'nginx.conf');
      writeFileSync(
        root,
        `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  include ${dir}/pipe.conf;\n}\n`,
      );
      expect(spawnSync('mkfifo', [path.join(dir, 'pipe.conf')]).status).toBe(0);
      const t = spawnSync(NGINX.path, ['-t', '-q', '-c', root, '-p', `${dir}/`], {
        timeout: 2000,
        killSignal: 'SIGKILL',
      });
      // Killed by our timer: nginx was still waiting in open().
      expect(t.signal).toBe('SIGKILL');
      const a = analyzeNginx({ root });
      const f = a && runNginxConfigChecks(a).findings.find((x) => x.id === 'nginx-config-error');
      expect(f?.severity).toBe('error');
      expect(f?.title).toBe('An include names a FIFO: nginx would wait for ever opening it');
      expect(f?.location).toMatchObject({ file: root, line: 5 });
    });

    it('a socket named by an include: the words nginx -t fails with, at its line', async () => {
      const root = path.join(dir, 'sock-nginx.conf');
      const sock = path.join(dir, 'sock.conf');
      writeFileSync(
        root,
        `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  include ${sock};\n}\n`,
      );
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(sock, resolve));
      try {
        const t = spawnSync(NGINX.path, ['-t', '-c', root, '-p', `${dir}/`], { timeout: 5000, encoding: 'utf8' });
        const expected = `open() "${sock}" failed (6: No such device or address)`;
        expect(t.stderr).toContain(`${expected} in ${root}:5`);
        const a = analyzeNginx({ root });
        expect(a?.config.issues.map((i) => [i.message, i.line])).toContainEqual([expected, 5]);
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  },
);
