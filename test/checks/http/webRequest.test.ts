import { describe, expect, it } from 'vitest';
import { judge, looksLikeSource, webRequests, type WebAnswer } from '../../../src/checks/http/webRequest.js';
import { urlForSetup } from '../../../src/checks/http/setupUrl.js';
import { analyzeStrict as analyzeConfig } from '../strict.js';
import { MemoryFileSource } from '../../../src/apache/source.js';

function model(vhost: string) {
  const source = new MemoryFileSource({ '/srv/site.conf': vhost });
  return analyzeConfig({ target: '/srv/site.conf', source, env: {} }).model;
}

const PHP_VHOST =
  '<VirtualHost *:8080>\nServerName site.test\nDocumentRoot /var/www/site\n<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/php/php.sock|fcgi://localhost"\n</FilesMatch>\n</VirtualHost>\n';

describe('urlForSetup', () => {
  it('takes an existing file a <FilesMatch> handler serves, on the vhost port, with its ServerName', () => {
    const m = model(PHP_VHOST);
    const url = urlForSetup(m, m.setups[0]!, (p) => p === '/var/www/site/index.php');
    expect(url).toEqual({ host: '127.0.0.1', port: 8080, path: '/index.php', hostHeader: 'site.test' });
  });
  it('gives up rather than guess a file that does not exist', () => {
    const m = model(PHP_VHOST);
    expect(urlForSetup(m, m.setups[0]!, () => false)).toBeUndefined();
  });
  it("takes a mod_fastcgi app's place under DocumentRoot (the seed's /app.py)", () => {
    const m = model(
      '<VirtualHost *:80>\nServerName test\nDocumentRoot /var/www/test/htdocs/\n<Files app.py>\nSetHandler fastcgi-script\n</Files>\nFastCgiExternalServer /var/www/test/htdocs/app.py -socket /run/app.sock\n</VirtualHost>\n',
    );
    expect(urlForSetup(m, m.setups[0]!, () => false)).toMatchObject({ port: 80, path: '/app.py', hostHeader: 'test' });
  });
  it('takes a ProxyPass path', () => {
    const m = model(
      '<VirtualHost *:80>\nServerName api.test\nProxyPass /api/ fcgi://127.0.0.1:9000/srv/api/\n</VirtualHost>\n',
    );
    expect(urlForSetup(m, m.setups[0]!, () => false)?.path).toBe('/api/');
  });
});

describe('judging what the web server answered', () => {
  const m = model(PHP_VHOST);
  const setup = m.setups[0]!;
  const url = { host: '127.0.0.1', port: 8080, path: '/index.php', hostHeader: 'site.test' };
  const ids = (a: WebAnswer) => judge(setup, url, a).map((f) => f.id);

  it('PHP source or a #! script with status 200 is source served as text', () => {
    expect(ids({ status: 200, head: '<?php echo "x";' })).toEqual(['source-served-as-text']);
    expect(ids({ status: 200, head: '\uFEFF  #!/usr/bin/python3\nprint(1)' })).toEqual(['source-served-as-text']);
    expect(looksLikeSource('<?= $x ?>')).toBeDefined();
  });
  it('a rendered page is fine; a 5xx is an error status', () => {
    expect(ids({ status: 200, head: '<!doctype html><p>&lt;?php</p>' })).toEqual([]);
    expect(ids({ status: 404, head: '<?php' })).toEqual([]);
    expect(ids({ status: 503, head: 'Service Unavailable' })).toEqual(['backend-error-status']);
  });
  it('asks each URL once, and notes setups it cannot find a URL for', async () => {
    const calls: string[] = [];
    const r = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => true,
      get: async (u) => {
        calls.push(u.path);
        return { status: 200, head: 'ok' };
      },
    });
    expect(calls).toEqual(['/index.php']);
    expect(r.findings).toEqual([]);
    const none = await webRequests(m, {
      timeoutMs: 1000,
      exists: () => false,
      get: async () => ({ status: 200, head: '' }),
    });
    expect(none.notices[0]).toMatch(/no URL is known/);
  });
});
