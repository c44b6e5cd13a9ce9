/**
 * The nginx routing model on configurations in memory and a fixture file
 * system (the differential test holds it to the real nginx; these pin the
 * rules and the doubts one by one).
 */
import { describe, expect, it } from 'vitest';
import { MemoryNginxSource, readNginxConfig } from '../../../src/nginx/index.js';
import type { NginxConfig, NginxDirective } from '../../../src/nginx/types.js';
import { routeNginx } from '../../../src/routing/nginx/index.js';
import type { Route } from '../../../src/routing/types.js';
import { parseRouteUrl } from '../../../src/routing/url.js';
import { type FixtureFile, fixtureSystem } from '../../../src/system/fixture.js';

/** Debian's /etc/nginx/fastcgi.conf, the lines that matter (fastcgi_params is the same without SCRIPT_FILENAME). */
const FASTCGI_CONF = `fastcgi_param  SCRIPT_FILENAME    $document_root$fastcgi_script_name;
fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  HTTPS              $https if_not_empty;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;
fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  SERVER_NAME        $server_name;
`;
const FASTCGI_PARAMS = FASTCGI_CONF.split('\n').slice(1).join('\n');

function configOf(http: string): NginxConfig {
  return readNginxConfig('/etc/nginx/nginx.conf', {
    source: new MemoryNginxSource({
      '/etc/nginx/nginx.conf': `events {}\nhttp {\n${http}\n}\n`,
      '/etc/nginx/fastcgi.conf': FASTCGI_CONF,
      '/etc/nginx/fastcgi_params': FASTCGI_PARAMS,
    }),
  });
}

function trace(
  config: NginxConfig,
  files: Record<string, FixtureFile | string>,
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Route {
  const req = parseRouteUrl(url, opts);
  if ('error' in req) throw new Error(req.error);
  return routeNginx(
    config,
    { ...req, localAddress: '127.0.0.1', remoteAddress: '192.0.2.7', remotePort: 40000 },
    { fs: fixtureSystem({ files }).fs, nginxVersion: '1.22.1' },
  );
}

const PHP_SITE = `
server {
    listen 80 default_server;
    server_name example.org;
    root /srv/www;
    index index.php index.html;
    location / { try_files $uri $uri/ /index.php?$args; }
    location ~ \\.php$ {
        try_files $uri =404;
        include fastcgi.conf;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    }
}`;
const SITE_FILES = { '/srv/www/index.php': '<?php', '/srv/www/a.txt': 'a' };

describe('routeNginx: a PHP site', () => {
  it('passes a script to the socket with the params of fastcgi.conf, headers as HTTP_*', () => {
    const r = trace(configOf(PHP_SITE), SITE_FILES, 'http://example.org/index.php?x=1', {
      headers: { 'user-agent': 't/1' },
    });
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend?.module).toBe('nginx');
    expect(r.backend?.target).toBe('unix:/run/php/php8.2-fpm.sock');
    expect(r.backend?.endpoint).toEqual({ kind: 'unix', path: '/run/php/php8.2-fpm.sock' });
    expect(r.backend?.params).toEqual({
      SCRIPT_FILENAME: '/srv/www/index.php',
      QUERY_STRING: 'x=1',
      REQUEST_METHOD: 'GET',
      SCRIPT_NAME: '/index.php',
      REQUEST_URI: '/index.php?x=1',
      DOCUMENT_ROOT: '/srv/www',
      SERVER_SOFTWARE: 'nginx/1.22.1',
      REMOTE_ADDR: '192.0.2.7',
      SERVER_NAME: 'example.org',
      HTTP_HOST: 'example.org',
      HTTP_USER_AGENT: 't/1',
    });
    expect(r.uncertain).toEqual([]);
    expect(r.steps.some((s) => s.what === 'location' && s.line !== undefined)).toBe(true);
  });

  it('sends a front-controller URL through try_files to index.php with the args', () => {
    const r = trace(configOf(PHP_SITE), SITE_FILES, 'http://example.org/blog/post?p=2');
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend?.params.SCRIPT_NAME).toBe('/index.php');
    expect(r.backend?.params.QUERY_STRING).toBe('p=2');
    expect(r.backend?.params.REQUEST_URI).toBe('/blog/post?p=2');
  });

  it('answers 404 for a missing script (try_files $uri =404), sends a static file itself', () => {
    expect(trace(configOf(PHP_SITE), SITE_FILES, 'http://example.org/none.php')).toMatchObject({
      outcome: 'status',
      status: 404,
    });
    expect(trace(configOf(PHP_SITE), SITE_FILES, 'http://example.org/a.txt')).toMatchObject({
      outcome: 'static',
      file: '/srv/www/a.txt',
    });
  });

  it('a ".." above the root is 400', () => {
    expect(trace(configOf(PHP_SITE), SITE_FILES, 'http://example.org/%2e%2e/etc/passwd').status).toBe(400);
  });
});

describe('routeNginx: fastcgi_param inheritance', () => {
  const conf = configOf(`
server {
    listen 80;
    root /srv/www;
    include fastcgi.conf;
    location /inner/ { fastcgi_param APP_ENV prod; fastcgi_pass 127.0.0.1:9000; }
    location / { fastcgi_pass 127.0.0.1:9000; }
    location /params/ { include fastcgi_params; fastcgi_pass 127.0.0.1:9000; }
}`);

  it('an inner fastcgi_param drops every inherited one', () => {
    const r = trace(conf, {}, 'http://localhost/inner/x.php', { headers: { accept: '*/*' } });
    expect(r.backend?.params).toEqual({ APP_ENV: 'prod', HTTP_HOST: 'localhost', HTTP_ACCEPT: '*/*' });
    expect(r.backend?.endpoint).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
  });

  it('a location without any inherits the server level', () => {
    expect(trace(conf, {}, 'http://localhost/x.php').backend?.params.SCRIPT_FILENAME).toBe('/srv/www/x.php');
  });

  it('fastcgi_params alone has no SCRIPT_FILENAME', () => {
    const p = trace(conf, {}, 'http://localhost/params/x.php').backend?.params ?? {};
    expect(p.SCRIPT_FILENAME).toBeUndefined();
    expect(p.SCRIPT_NAME).toBe('/params/x.php');
  });
});

describe('routeNginx: server selection in nginx order', () => {
  const conf = configOf(`
server { listen 8080; server_name first.test; return 201; }
server { listen 8080 default_server; return 202; }
server { listen 8080; server_name *.example.org; return 203; }
server { listen 8080; server_name *.b.example.org; return 204; }
server { listen 8080; server_name www.example.*; return 205; }
server { listen 8080; server_name ~^(?<sub>\\w+)\\.example\\.org$; return 206; }
server { listen 8080; server_name www.example.org; return 207; }
`);
  const status = (host: string) => trace(conf, {}, `http://${host}:8080/`).status;

  it('exact, then the longest leading wildcard, then trailing, then regex, else default_server', () => {
    expect(status('www.example.org')).toBe(207);
    expect(status('a.b.example.org')).toBe(204);
    expect(status('shop.example.org')).toBe(203);
    expect(status('www.example.net')).toBe(205);
    expect(status('unknown.test')).toBe(202);
    expect(status('FIRST.test.')).toBe(201);
  });

  it('no server on the port: the connection is refused (said in uncertain)', () => {
    const r = trace(conf, {}, 'http://first.test:81/');
    expect(r.uncertain.join()).toMatch(/no server listens on port 81/);
  });
});

describe('routeNginx: location selection', () => {
  const conf = configOf(`
server {
    listen 80;
    location = /x { return 201; }
    location /x { return 202; }
    location ^~ /static/ { return 203; }
    location /api/ { return 204; location ~ \\.json$ { return 205; } }
    location ~ \\.(png|json)$ { return 206; }
    location ~* \\.JPG$ { return 207; }
    location /app/ { fastcgi_pass unix:/run/app.sock; }
}`);
  const status = (path: string) => trace(conf, {}, `http://localhost${path}`).status;

  it('= wins, ^~ stops the regexes, a nested regex beats the outer ones, ~* is caseless', () => {
    expect(status('/x')).toBe(201);
    expect(status('/xy')).toBe(202);
    expect(status('/static/a.png')).toBe(203);
    expect(status('/api/a.json')).toBe(205);
    expect(status('/api/a.txt')).toBe(204);
    expect(status('/other/a.png')).toBe(206);
    expect(status('/p/a.jpg')).toBe(207);
  });

  it('"/app" is redirected to "/app/" when that location has a fastcgi_pass', () => {
    expect(trace(conf, {}, 'http://localhost/app?q=1')).toMatchObject({
      status: 301,
      location: 'http://localhost/app/?q=1',
    });
  });
});

describe('routeNginx: PATH_INFO', () => {
  const conf = configOf(`
server {
    listen 80;
    root /srv/www;
    location ~ [^/]\\.php(/|$) {
        fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
        include fastcgi.conf;
        fastcgi_param PATH_INFO $fastcgi_path_info;
        fastcgi_pass unix:/run/php.sock;
    }
}`);

  it('splits the script from the path info', () => {
    const r = trace(conf, {}, 'http://localhost/index.php/a/b');
    expect(r.backend?.params.SCRIPT_FILENAME).toBe('/srv/www/index.php');
    expect(r.backend?.params.PATH_INFO).toBe('/a/b');
    expect(r.pathInfo).toBe('/a/b');
  });

  it('a newline in the path info defeats the split (CVE-2019-11043): PATH_INFO is empty', () => {
    const r = trace(conf, {}, 'http://localhost/index.php/%0Aabc');
    expect(r.backend?.params.PATH_INFO).toBe('');
    expect(r.backend?.params.SCRIPT_NAME).toBe('/index.php/\nabc');
  });
});

describe('routeNginx: what the model cannot know is said', () => {
  it('a param from an unknown variable is left out and named', () => {
    const r = trace(
      configOf('server { listen 80; location / { fastcgi_param ID $request_id; fastcgi_pass unix:/s; } }'),
      {},
      'http://localhost/',
    );
    expect(r.backend?.params.ID).toBeUndefined();
    expect(r.backend?.unknown?.join()).toMatch(/\$request_id/);
    expect(r.uncertain.join()).toMatch(/request_id/);
  });

  it('a map variable is unknown', () => {
    const r = trace(
      configOf(
        'map $http_x $kind { default a; } server { listen 80; location / { fastcgi_param K $kind; fastcgi_pass unix:/s; } }',
      ),
      {},
      'http://localhost/',
    );
    expect(r.uncertain.join()).toMatch(/\$kind/);
  });

  it('an if the model cannot decide is said, and taken as false', () => {
    const r = trace(
      configOf('server { listen 80; location / { if ($request_id) { return 403; } return 204; } }'),
      {},
      'http://localhost/',
    );
    expect(r.status).toBe(204);
    expect(r.uncertain.join()).toMatch(/if \(\$request_id\)/);
  });

  it('proxy_pass is not modelled', () => {
    const r = trace(
      configOf('server { listen 80; location / { proxy_pass http://127.0.0.1:3000; } }'),
      {},
      'http://localhost/',
    );
    expect(r.uncertain.join()).toMatch(/proxy_pass/);
  });

  it('an upstream with several servers: the first is shown, the balancing is said', () => {
    const r = trace(
      configOf(
        'upstream php { server unix:/a.sock; server 127.0.0.1:9000; } server { listen 80; location / { fastcgi_pass php; } }',
      ),
      {},
      'http://localhost/',
    );
    expect(r.backend?.target).toBe('unix:/a.sock');
    expect(r.backend?.upstream?.servers).toEqual(['unix:/a.sock', '127.0.0.1:9000']);
    expect(r.uncertain.join()).toMatch(/balancing/);
  });

  it('a file the doctor cannot see is not taken as missing', () => {
    const r = trace(
      configOf('server { listen 80; root /srv; location / { try_files $uri =404; } }'),
      { '/srv/secret.txt': { content: 'x', denied: true } },
      'http://localhost/secret.txt',
    );
    expect(r.uncertain.join()).toMatch(/cannot see \/srv\/secret.txt/);
  });

  it('an https listen reached by plain HTTP, and a content handler of another module, are said', () => {
    expect(trace(configOf('server { listen 80 ssl; return 204; }'), {}, 'http://localhost/').uncertain.join()).toMatch(
      /takes TLS/,
    );
    expect(
      trace(configOf('server { listen 80; location /s { stub_status; } }'), {}, 'http://localhost/s').uncertain.join(),
    ).toMatch(/stub_status/);
  });

  it('server_name $hostname needs the host name; a caseless non-ASCII regex is said', () => {
    const conf = configOf('server { listen 80; return 204; } server { listen 80; server_name $hostname; return 205; }');
    const req = parseRouteUrl('http://web1/');
    if ('error' in req) throw new Error(req.error);
    expect(routeNginx(conf, req, { fs: fixtureSystem({}).fs, hostname: 'web1' }).status).toBe(205);
    expect(trace(conf, {}, 'http://web1/').uncertain.join()).toMatch(/\$hostname/);
    expect(
      trace(
        configOf('server { listen 80; location ~* é { return 201; } return 204; }'),
        {},
        'http://localhost/',
      ).uncertain.join(),
    ).toMatch(/non-ASCII/);
  });

  it('a configuration nginx refuses is said', () => {
    const r = trace(configOf('server { listen 80; fastcgi_pas unix:/s; return 204; }'), {}, 'http://localhost/');
    expect(r.uncertain.join()).toMatch(/nginx refuses this configuration/);
  });

  it('a server without listen is on *:80', () => {
    expect(trace(configOf('server { return 204; }'), {}, 'http://localhost/').status).toBe(204);
  });

  it('a regex JavaScript cannot run is said, not matched differently', () => {
    const r = trace(
      configOf('server { listen 80; location ~ ^/a++ { return 201; } return 204; }'),
      {},
      'http://localhost/aa',
    );
    expect(r.uncertain.join()).toMatch(/possessive/);
  });
});

describe('routeNginx: request limits and access', () => {
  const conf = configOf(`
server {
    listen 80;
    location /up/ { client_max_body_size 10; fastcgi_pass unix:/s; }
    location /deny/ { allow 10.0.0.0/8; deny all; fastcgi_pass unix:/s; }
    location /lim/ { limit_except GET { deny all; } fastcgi_pass unix:/s; }
}`);

  it('a Content-Length above client_max_body_size is 413', () => {
    expect(
      trace(conf, {}, 'http://localhost/up/x', { method: 'POST', headers: { 'content-length': '20' } }).status,
    ).toBe(413);
    expect(
      trace(conf, {}, 'http://localhost/up/x', { method: 'POST', headers: { 'content-length': '5' } }).outcome,
    ).toBe('fastcgi');
  });

  it('allow/deny: the first rule that matches the client decides', () => {
    expect(trace(conf, {}, 'http://localhost/deny/x').status).toBe(403);
  });

  it('limit_except is said, not decided', () => {
    expect(trace(conf, {}, 'http://localhost/lim/x').uncertain.join()).toMatch(/limit_except/);
  });
});

describe('routeNginx: $realpath_root', () => {
  it('resolves the symbolic links of the root', () => {
    const conf = configOf(
      'server { listen 80; root /srv/current; location / { fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name; fastcgi_pass unix:/s; } }',
    );
    const r = trace(
      conf,
      { '/srv/current': { target: 'releases/7' }, '/srv/releases/7/index.php': '<?php' },
      'http://localhost/index.php',
    );
    expect(r.backend?.params.SCRIPT_FILENAME).toBe('/srv/releases/7/index.php');
  });
});

describe('routeNginx on a hand-built tree (the seam alone)', () => {
  const d = (name: string, args: string[], block?: NginxDirective[]): NginxDirective => ({
    name,
    args,
    file: '/etc/nginx/nginx.conf',
    line: 1,
    includedFrom: [],
    ...(block ? { block } : {}),
  });
  const config: NginxConfig = {
    root: '/etc/nginx/nginx.conf',
    prefix: '/usr/share/nginx/',
    confPrefix: '/etc/nginx/',
    files: [{ file: '/etc/nginx/nginx.conf' }],
    issues: [],
    directives: [
      d(
        'http',
        [],
        [
          d(
            'server',
            [],
            [
              d('listen', ['80']),
              d('location', ['/'], [d('fastcgi_param', ['DOCROOT', '$document_root']), d('fastcgi_pass', ['unix:/s'])]),
            ],
          ),
        ],
      ),
    ],
  };

  it("without a root, the document root is the prefix's html", () => {
    expect(trace(config, {}, 'http://localhost/').backend?.params.DOCROOT).toBe('/usr/share/nginx/html');
  });
});

describe('routeNginx: any request gets a route, never a throw', () => {
  it('on arbitrary paths, hosts and methods', async () => {
    const fc = await import('fast-check');
    const conf = configOf(`${PHP_SITE}
server {
    listen 80;
    server_name ~^(?<sub>.+)\\.wild\\.test$;
    root /srv/$sub;
    location /a/ { alias /srv/alias/; try_files $uri $uri/ @x; }
    location @x { rewrite ^(.*)$ /index.php?u=$1 last; }
    location ~ ^/r/(.*)$ { rewrite ^ /r/$1 last; }
    location ~ \\.php$ { fastcgi_split_path_info ^(.+?\\.php)(/.*)$; include fastcgi.conf; fastcgi_pass unix:/s; }
    error_page 404 /404.php;
}`);
    const segment = fc.stringMatching(/^[a-zA-Z0-9._%~+-]{0,8}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 6 }),
        fc.constantFrom('example.org', 'x.wild.test', 'other.test'),
        fc.constantFrom('GET', 'POST', 'PUT', 'HEAD'),
        fc.option(fc.stringMatching(/^[a-z0-9=&%]{0,10}$/), { nil: undefined }),
        (segments, host, method, query) => {
          const url = `http://${host}/${segments.join('/')}${query === undefined ? '' : `?${query}`}`;
          const req = parseRouteUrl(url, { method });
          if ('error' in req) return;
          const r = routeNginx(conf, req, { fs: fixtureSystem({ files: SITE_FILES }).fs });
          expect(['fastcgi', 'static', 'status']).toContain(r.outcome);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('routeNginx: the route fits the trace member of the JSON schema', () => {
  it('with an upstream backend and unknown params', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const schema = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', '..', '..', 'schema', 'fcgi-doctor.schema.json'), 'utf8'),
    ) as { $defs: object };
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile({
      $defs: schema.$defs,
      $ref: '#/$defs/route',
    });
    const r = trace(
      configOf(
        'upstream php { server unix:/a.sock; } server { listen 80; location / { fastcgi_param ID $request_id; fastcgi_pass php; } }',
      ),
      {},
      'http://localhost/',
    );
    const json = JSON.parse(JSON.stringify(r)) as object;
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
  });
});
