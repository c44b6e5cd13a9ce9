/**
 * What the route model relies on for <Proxy> sections, asked of a real
 * Apache: they apply to ProxyPass requests (matched on the worker URL with or
 * without its unix:…| part — mod_proxy.c proxy_walk), not to SetHandler
 * "proxy:…" ones. ProxyFCGIBackendType GENERIC inside them shows which:
 * SCRIPT_FILENAME loses its proxy:fcgi:// prefix only where it applied.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache, type ApacheServer } from './harness/apache.js';
import { BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { startServeApp, type ServeAppServer } from './harness/serveApp.js';

const ok = requireBuiltCli() && hasBinary(BINARIES.apache) && hasBinary(BINARIES.modProxyFcgi);

describe.skipIf(!ok)('<Proxy> sections: ProxyPass requests only', () => {
  let serve: ServeAppServer;
  let apache: ApacheServer;
  beforeAll(async () => {
    serve = await startServeApp({ args: ['--mode', '0660', '--group', 'www-data'] });
    apache = await startApache({
      modules: ['proxy_fcgi'],
      files: { 'g/echo.php': 'x', 'app/echo.php': 'x' },
      config: ({ docRoot }) => `
<Directory "${docRoot}/g">
  SetHandler "proxy:unix:${serve.endpoint.path}|fcgi://gen"
</Directory>
<Proxy "fcgi://gen">
  ProxyFCGIBackendType GENERIC
</Proxy>
ProxyPassMatch ^/pmg/(.*)$ unix:${serve.endpoint.path}|fcgi://gen2${docRoot}/app/$1
<Proxy "fcgi://gen2">
  ProxyFCGIBackendType GENERIC
</Proxy>
ProxyPassMatch ^/pmu/(.*)$ unix:${serve.endpoint.path}|fcgi://gen3${docRoot}/app/$1
<Proxy "unix:${serve.endpoint.path}|fcgi://gen3">
  ProxyFCGIBackendType GENERIC
</Proxy>
`,
    });
  });
  afterAll(async () => {
    await apache?.stop();
    await serve?.stop();
  });
  const scriptFilename = async (p: string): Promise<string> => {
    const res = await apache.http(p, { headers: { Accept: 'application/json' } });
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as { params: Record<string, string> }).params.SCRIPT_FILENAME ?? '';
  };
  it('not merged for SetHandler proxy:…', async () => {
    expect(await scriptFilename('/g/echo.php')).toBe(`proxy:fcgi://gen${apache.docRoot}/g/echo.php`);
  });
  it('merged for ProxyPassMatch, on the URL without unix:…|', async () => {
    expect(await scriptFilename('/pmg/echo.php')).toBe(`${apache.docRoot}/app/echo.php`);
  });
  it('merged for ProxyPassMatch, on the URL with unix:…|', async () => {
    expect(await scriptFilename('/pmu/echo.php')).toBe(`${apache.docRoot}/app/echo.php`);
  });
});
