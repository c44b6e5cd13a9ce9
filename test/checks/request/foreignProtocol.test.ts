/** The advice for each protocol a backend speaks instead of FastCGI: the fix names the right proxy or the port slip. */
import { describe, expect, it } from 'vitest';
import { foreignProtocolFinding } from '../../../src/checks/request/foreignProtocol.js';
import { findingForClientError } from '../../../src/checks/request/outcome.js';
import { FcgiClientError } from '../../../src/client/errors.js';
import type { Target } from '../../../src/client/target.js';

const broke = (received: string | Buffer) =>
  new FcgiClientError('protocol', 'record version 83 (expected 1) — is this really a FastCGI server?', {
    phase: 'response',
    received: Buffer.isBuffer(received) ? received : Buffer.from(received, 'latin1'),
  });

describe('foreignProtocolFinding', () => {
  it("names a well-known service's port when the address uses it", () => {
    const f = foreignProtocolFinding({ kind: 'tcp', host: '127.0.0.1', port: 22 }, broke('SSH-2.0-OpenSSH_9.2p1\r\n'))!;
    expect(f.id).toBe('backend-protocol-error');
    expect(f.fix).toMatch(/another service \(an SSH server\).*port 22 is SSH's usual port/);
  });

  it('says nothing of ports on an address no service is known for', () => {
    const f = foreignProtocolFinding({ kind: 'tcp', host: '127.0.0.1', port: 9001 }, broke('-ERR unknown\r\n'))!;
    expect(f.fix).not.toMatch(/usual port/);
  });

  it('HTTP over a Unix socket: the unix:…|http:// form of ProxyPass', () => {
    const target: Target = { kind: 'unix', path: '/run/gunicorn.sock' };
    const f = foreignProtocolFinding(target, broke('HTTP/1.1 400 Bad Request\r\n\r\n'))!;
    expect(f.fix).toContain('ProxyPass /app/ unix:/run/gunicorn.sock|http://localhost/ (mod_proxy_http)');
  });

  it('an IPv6 address is bracketed in the URL', () => {
    const f = foreignProtocolFinding(
      { kind: 'tcp', host: '::1', port: 8443 },
      broke(Buffer.from([0x15, 3, 3, 0, 2, 2, 70])),
    )!;
    expect(f.fix).toContain('https://[::1]:8443/');
    expect(f.fix).toContain('port 8443 is the usual HTTPS port');
  });

  it('unknown bytes: undefined here; findingForClientError keeps backend-protocol-error with the bytes escaped', () => {
    const target: Target = { kind: 'tcp', host: '127.0.0.1', port: 9000 };
    const err = broke('\x00\x1b[2Jnothing known');
    expect(foreignProtocolFinding(target, err)).toBeUndefined();
    const f = findingForClientError(target, err);
    expect(f.id).toBe('backend-protocol-error');
    expect(f.evidence.map((e) => e.text)).toContain('127.0.0.1:9000: first bytes received: \\x00\\x1b[2Jnothing known');
  });
});
