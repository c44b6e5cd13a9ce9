/**
 * fcgiwrap's own error answers (403 from cgi_error, 502 after a failed exec,
 * 502 "An error occurred while …") classified into precise findings by
 * `fcgi-doctor ping` (the built bin) against a real fcgiwrap, with and
 * without -f (its reason on the FastCGI error stream or only in its own log).
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFcgiwrap, type FcgiwrapServer } from './harness/fcgiwrap.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';

interface Finding {
  id: string;
  message: string;
  fix?: string;
  evidence: Array<{ kind: string; text: string }>;
}

const OK = '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n';
const SCRIPTS = {
  'ok.sh': OK,
  'noexec.sh': { content: OK, mode: 0o644 },
  'owner-only.sh': { content: OK, mode: 0o744 },
  'bad-interpreter.sh': '#!/nonexistent/bin/interp\necho\n',
  'crlf.sh': '#!/bin/sh\r\necho\r\n',
  'no-shebang.sh': 'echo hello\n',
  'silent.sh': '#!/bin/sh\nexit 0\n',
  'gateway.sh':
    '#!/bin/sh\nprintf "Status: 502 Bad Gateway\\r\\nContent-Type: text/plain\\r\\n\\r\\nupstream down\\n"\n',
};

async function ping(
  server: FcgiwrapServer,
  script: string,
): Promise<{ code: number | undefined; findings: Finding[] }> {
  const r = await execa(
    process.execPath,
    [BIN, 'ping', `unix:${server.endpoint.path}`, '--script', script, '--format', 'json'],
    { reject: false, timeout: 30_000 },
  );
  return { code: r.exitCode, findings: (JSON.parse(String(r.stdout)) as { findings: Finding[] }).findings };
}

describe.skipIf(!requireBuiltCli() || !hasBinary(BINARIES.fcgiwrap))('ping: fcgiwrap error answers', () => {
  const servers: Record<'plain' | 'withStderr', FcgiwrapServer | undefined> = {
    plain: undefined,
    withStderr: undefined,
  };
  beforeAll(async () => {
    servers.plain = await startFcgiwrap({ scripts: SCRIPTS });
    servers.withStderr = await startFcgiwrap({ scripts: SCRIPTS, stderrOverFastcgi: true });
  });
  afterAll(async () => {
    await servers.plain?.stop();
    await servers.withStderr?.stop();
  });

  describe.each(['plain', 'withStderr'] as const)('fcgiwrap %s', (which) => {
    const s = () => servers[which]!;
    const path = (name: string) => `${s().scriptDir}/${name}`;
    const ids = (fs: Finding[]) => fs.map((f) => f.id);

    it('a healthy script: no finding', async () => {
      const r = await ping(s(), path('ok.sh'));
      expect(r.findings).toEqual([]);
      expect(r.code).toBe(0);
    });
    it('403 for a missing script: script-missing, not a generic error status', async () => {
      const r = await ping(s(), path('missing.sh'));
      expect(ids(r.findings)).toEqual(['script-missing']);
      expect(r.findings[0]!.message).toContain('There is no such file');
      expect(r.code).toBe(1);
    });
    it("403 for a script without its owner's x bit: script-not-executable with the chmod", async () => {
      const r = await ping(s(), path('noexec.sh'));
      expect(ids(r.findings)).toEqual(['script-not-executable']);
      expect(r.findings[0]!.fix).toContain(`chmod 755 ${path('noexec.sh')}`);
    });
    it('502 for a script only its owner may run (fcgiwrap runs as www-data): script-not-executable', async () => {
      const r = await ping(s(), path('owner-only.sh'));
      expect(ids(r.findings)).toEqual(['script-not-executable']);
      expect(r.findings[0]!.message).toContain('Only its owner may execute it');
    });
    it('502 for a #! interpreter that does not exist: shebang-interpreter-missing', async () => {
      const r = await ping(s(), path('bad-interpreter.sh'));
      expect(ids(r.findings)).toEqual(['shebang-interpreter-missing']);
      expect(r.findings[0]!.message).toContain('/nonexistent/bin/interp does not exist');
    });
    it('502 for a CRLF #! line: shebang-crlf', async () => {
      expect(ids((await ping(s(), path('crlf.sh'))).findings)).toEqual(['shebang-crlf']);
    });
    it('502 for a file with no #! line: script-not-executable saying so', async () => {
      const r = await ping(s(), path('no-shebang.sh'));
      expect(ids(r.findings)).toEqual(['script-not-executable']);
      expect(r.findings[0]!.message).toContain('no #! line');
    });
    it('502 when the script prints nothing: backend-bad-response naming the script', async () => {
      const r = await ping(s(), path('silent.sh'));
      expect(ids(r.findings)).toEqual(['backend-bad-response']);
      expect(r.findings[0]!.message).toContain('printed no response');
    });
    it('a 502 the script itself answers stays a backend-error-status, and its fix speaks of no stderr that is not there', async () => {
      const r = await ping(s(), path('gateway.sh'));
      expect(ids(r.findings)).toEqual(['backend-error-status']);
      expect(r.findings[0]!.fix).not.toContain('stderr above');
      expect(r.findings[0]!.fix).toContain('sent nothing on its error stream');
    });
  });
});
