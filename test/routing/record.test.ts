/**
 * The RequestRecord the route core hands to params.ts (stubbed here to
 * capture it): httpd's request_rec at handler time.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendChoice, RequestRecord } from '../../src/routing/apache/seams.js';
import { modelOf, trace } from './helpers.js';

const seen = vi.hoisted(() => ({ rec: undefined as unknown, choice: undefined as unknown }));
vi.mock('../../src/routing/apache/params.js', () => ({
  backendParams: (rec: unknown, choice: unknown) => {
    seen.rec = rec;
    seen.choice = choice;
    return { MARK: '1' };
  },
  unknownParams: () => [],
}));

const MODS = ['mime', 'alias', 'dir', 'proxy', 'proxy_fcgi', 'env', 'setenvif', 'actions', 'authz_core', 'fastcgi'];
const FPM = 'SetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"';
const V = (body: string) =>
  `<VirtualHost *:80>\nServerName r.example\nServerAdmin ops@r.example\nDocumentRoot /srv/r\n${body}\n</VirtualHost>\n`;
const FILES = { '/srv/r/a.php': '<?php', '/opt/app/x.php': '<?php' };

const rec = () => seen.rec as RequestRecord;

describe('RequestRecord', () => {
  beforeEach(() => {
    seen.rec = undefined;
  });
  it('a SetHandler route: the file, PATH_INFO, the handler, server values, env', () => {
    const m = modelOf(
      V(`SetEnv APP_ENV prod\nSetEnvIf Request_URI "^/a" FROM_A=yes\n<FilesMatch "\\.php$">\n${FPM}\n</FilesMatch>`),
      {},
      MODS,
    );
    const r = trace(m, FILES, 'http://R.example/a.php/x%20y?q=1');
    expect(r.backend?.params).toEqual({ MARK: '1' });
    expect(rec()).toMatchObject({
      unparsedUri: '/a.php/x%20y?q=1',
      uri: '/a.php/x y',
      args: 'q=1',
      filename: '/srv/r/a.php',
      pathInfo: '/x y',
      handler: 'proxy:unix:/run/php/fpm.sock|fcgi://localhost',
      serverName: 'r.example',
      serverPort: 80,
      serverAdmin: 'ops@r.example',
      documentRoot: '/srv/r',
      contextPrefix: '',
      contextDocumentRoot: '/srv/r',
      env: { APP_ENV: 'prod', FROM_A: 'yes' },
    });
    expect(rec().vhost?.name).toBe('virtualhost');
    expect(rec().directives.some((d) => d.name === 'sethandler')).toBe(true);
    expect(seen.choice as BackendChoice).toMatchObject({ module: 'proxy_fcgi', target: 'unix:/run/php/fpm.sock' });
  });
  it('Alias sets the context prefix and document root as written', () => {
    const m = modelOf(V(`Alias /app/ /opt/app/\n<FilesMatch "\\.php$">\n${FPM}\n</FilesMatch>`), {}, MODS);
    trace(m, FILES, 'http://r.example/app/x.php');
    expect(rec()).toMatchObject({
      filename: '/opt/app/x.php',
      contextPrefix: '/app/',
      contextDocumentRoot: '/opt/app/',
    });
  });
  it('ProxyPassMatch: the canonical proxy:fcgi:// filename', () => {
    const m = modelOf(V('ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/srv/r/$1'), {}, MODS);
    trace(m, FILES, 'http://r.example/a.php');
    expect(rec()).toMatchObject({
      filename: 'proxy:fcgi://127.0.0.1:9000/srv/r/a.php',
      handler: 'proxy-server',
      pathInfo: '',
    });
  });
  it('an Action chain: the new request, with the original as prev', () => {
    const m = modelOf(
      V(
        'AddHandler php-fcgi .php\nAction php-fcgi /php-fcgi virtual\nAlias /php-fcgi /usr/lib/cgi-bin/php-fcgi\nFastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -host 127.0.0.1:9000',
      ),
      {},
      MODS,
    );
    trace(m, { ...FILES, '/usr/lib/cgi-bin': { type: 'dir' } }, 'http://r.example/a.php?z=2');
    expect(rec()).toMatchObject({
      uri: '/php-fcgi/a.php',
      args: 'z=2',
      filename: '/usr/lib/cgi-bin/php-fcgi',
      pathInfo: '/a.php',
      handler: 'fastcgi-script',
      redirectStatus: 200,
    });
    expect(rec().prev).toMatchObject({
      uri: '/a.php',
      filename: '/srv/r/a.php',
      handler: 'php-fcgi',
      unparsedUri: '/a.php?z=2',
    });
    expect(seen.choice as BackendChoice).toMatchObject({
      module: 'fastcgi',
      mode: 'external',
      target: '127.0.0.1:9000',
    });
  });
});

describe('<Proxy> sections on a proxied request', () => {
  it('ProxyFCGIBackendType in a <Proxy> matching the worker reaches the record', () => {
    const m = modelOf(
      V(
        'ProxyPassMatch ^/(.*\\.php)$ fcgi://127.0.0.1:9000/srv/r/$1\n<Proxy "fcgi://127.0.0.1:9000/">\nProxyFCGIBackendType GENERIC\n</Proxy>\n<Proxy "fcgi://10.0.0.1:9000/">\nProxyFCGIBackendType FPM\n</Proxy>',
      ),
      {},
      MODS,
    );
    trace(m, FILES, 'http://r.example/a.php');
    const types = rec()
      .directives.filter((d) => d.name === 'proxyfcgibackendtype')
      .map((d) => d.args[0]);
    expect(types).toEqual(['GENERIC']);
  });
});
