/**
 * A log line says which web server wrote it; the advice for it must be for
 * that server (issue 12 item 8): "Primary script unknown" in Apache's log is
 * not fixed with fastcgi_param lines.
 */
import { describe, expect, it } from 'vitest';
import { loadCatalog, matchLine } from '../../src/logs/index.js';

const catalog = loadCatalog();
const fixOf = (line: string) => {
  const id = matchLine(line, catalog)?.ruleId;
  return { id, fix: catalog.rules.find((r) => r.id === id)?.fix ?? '' };
};

describe('primary-script-unknown: the fix fits the server that logged it', () => {
  it('Apache mod_proxy_fcgi (AH01071): Apache advice, no nginx directive first', () => {
    const { id, fix } = fixOf(
      "[Tue Mar 05 10:12:01.482913 2024] [proxy_fcgi:error] [pid 2235:tid 140523] [client 192.0.2.10:52210] AH01071: Got error 'Primary script unknown\\n'",
    );
    expect(id).toBe('proxy-fcgi-primary-script-unknown');
    expect(fix).toMatch(/^With `SetHandler "proxy:unix:/);
    expect(fix).not.toMatch(/nginx|fastcgi_param|try_files/);
  });
  it('Apache mod_fastcgi: mod_fastcgi advice', () => {
    const { id, fix } = fixOf(
      '[Tue Mar 05 10:12:01 2024] [error] [client 192.0.2.10] FastCGI: server "/usr/lib/cgi-bin/php5-fcgi" stderr: Primary script unknown',
    );
    expect(id).toBe('fastcgi-primary-script-unknown');
    expect(fix).not.toMatch(/nginx|fastcgi_param|try_files/);
  });
  it('nginx: still the nginx advice', () => {
    const { id, fix } = fixOf(
      '2024/03/05 10:12:01 [error] 812#812: *41 FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream, client: 203.0.113.9, server: example.com, request: "GET /index.php HTTP/1.1", upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:", host: "example.com"',
    );
    expect(id).toBe('fpm-primary-script-unknown');
    expect(fix).toContain('fastcgi_param SCRIPT_FILENAME');
  });
});
