import { describe, expect, it } from 'vitest';
import { parseProxyUrl } from '../../src/setups/proxyUrl.js';
import { LOAD, setupsOf } from './helpers.js';

describe('proxy URLs', () => {
  it.each([
    ['unix:/run/php/x.sock|fcgi://localhost/', { kind: 'unix', path: '/run/php/x.sock' }, 'fcgi://localhost/'],
    ['unix:///run/php/x.sock|fcgi://php82', { kind: 'unix', path: '/run/php/x.sock' }, 'fcgi://php82'],
    ['unix:php.sock|fcgi:', { kind: 'unix', path: '/run/apache2/php.sock' }, 'fcgi://localhost'],
    [
      'fcgi://127.0.0.1:9000/var/www/$1',
      { kind: 'tcp', host: '127.0.0.1', port: 9000 },
      'fcgi://127.0.0.1:9000/var/www/$1',
    ],
    ['fcgi://backend', { kind: 'tcp', host: 'backend', port: 8000, defaultPort: true }, 'fcgi://backend'],
    ['fcgi://[::1]:9000/', { kind: 'tcp', host: '::1', port: 9000 }, 'fcgi://::1:9000/'],
  ])('%s', (url, endpoint, worker) => {
    const r = parseProxyUrl(url, '/run/apache2', 'proxypass');
    expect(r.errors).toEqual([]);
    expect(r.endpoint).toEqual(endpoint);
    expect(r.workerName).toBe(worker);
  });
  it.each([
    ['unix:/run/x.sock', 'handler', /no "\|fcgi:\/\/…" after it/],
    ['unix:/run/x.sock', 'proxypass', /refuses to start/],
    ['unix://run/x.sock|fcgi://localhost', 'handler', /makes "run" a host name/],
    ['unix:listen = /run/x.sock|fcgi://localhost', 'handler', /space or "="/],
    ['unix:/run/x.sock|fcgi', 'proxypass', /no scheme/],
  ] as const)('%s (%s) is invalid', (url, ctx, msg) => {
    expect(parseProxyUrl(url, '/run/apache2', ctx).errors.join('\n')).toMatch(msg);
  });
});

describe('mod_proxy_fcgi', () => {
  it('SetHandler in FilesMatch, with the worker parameters of a matching <Proxy> and the timeout chain', () => {
    const conf = `${LOAD.proxy}Timeout 300
<VirtualHost *:80>
  ServerName p.example
  ProxyTimeout 45
  <FilesMatch \\.php$>
    SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://php82/"
  </FilesMatch>
  <Proxy "fcgi://php82/" enablereuse=on max=10>
  </Proxy>
</VirtualHost>
`;
    const [s] = setupsOf(conf);
    expect(s).toMatchObject({
      module: 'proxy_fcgi',
      mode: 'proxy',
      loaded: true,
      endpoint: { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
      workerName: 'fcgi://php82/',
      params: { enablereuse: 'on', max: '10' },
      timeouts: { timeout: 45, connect: 45, retry: 60 },
      vhost: { serverName: 'p.example' },
    });
    expect(s?.reachedBy[0]).toMatchObject({ kind: 'SetHandler', files: '\\.php$' });
  });
  it('ProxyPass, ProxyPassMatch, ProxyPass in <Location>, RewriteRule [P] and [H=…], BalancerMember', () => {
    const conf = `${LOAD.proxy}ProxyPass /api/ fcgi://127.0.0.1:9001/ timeout=20 retry=0
ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/var/www/$1
<Location /app>
  ProxyPass unix:/run/app.sock|fcgi://app/
</Location>
RewriteRule ^/r/(.*)$ fcgi://127.0.0.1:9002/$1 [P]
RewriteRule \\.php$ - [H=proxy:unix:/run/h.sock|fcgi://h/]
<Proxy balancer://pool>
  BalancerMember fcgi://10.0.0.1:9000
</Proxy>
ProxyPass /static/ !
`;
    const s = setupsOf(conf);
    expect(s.map((x) => x.reachedBy[0]?.kind)).toEqual([
      'ProxyPass',
      'ProxyPassMatch',
      'ProxyPass',
      'RewriteRule',
      'RewriteRule',
      'BalancerMember',
    ]);
    expect(s[0]).toMatchObject({ timeouts: { timeout: 20, retry: 0 }, reachedBy: [{ urlPath: '/api/' }] });
    expect(s[1]?.reachedBy[0]).toMatchObject({ urlRegex: '^/(.*\\.php)$' });
    expect(s[2]).toMatchObject({ endpoint: { kind: 'unix', path: '/run/app.sock' }, reachedBy: [{ urlPath: '/app' }] });
    expect(s[4]).toMatchObject({ endpoint: { kind: 'unix', path: '/run/h.sock' } });
    expect(s[5]).toMatchObject({ endpoint: { kind: 'tcp', host: '10.0.0.1', port: 9000 } });
  });
  it('ignores non-FastCGI proxies and notes per-request URLs', () => {
    const s = setupsOf(
      `${LOAD.proxy}ProxyPass / http://127.0.0.1:8080/\nSetHandler "proxy:unix:/run/app_%{env:X}.sock|fcgi://localhost"\n`,
    );
    expect(s).toHaveLength(1);
    expect(s[0]?.endpoint).toBeUndefined();
    expect(s[0]?.notes[0]).toContain('computed per request');
  });
  it('proxy_fcgi without proxy is not loaded', () => {
    expect(setupsOf('LoadModule proxy_fcgi_module x.so\nSetHandler "proxy:fcgi://127.0.0.1:9000"\n')[0]?.loaded).toBe(
      false,
    );
  });
});
