/**
 * How the route core handles what the rewrite and .htaccess parts answer
 * (their real implementations are other modules: here they are stubbed to
 * each outcome in turn, to test the core's side of the seam).
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RewriteOutcome } from '../../src/routing/apache/seams.js';
import { modelOf, trace } from './helpers.js';

const state = vi.hoisted(() => ({
  rewrite: undefined as undefined | ((ctx: { perDir?: { dir: string }; path: string }) => Partial<RewriteOutcome>),
  htaccess: undefined as undefined | ((dir: string) => unknown),
  allow: false,
}));

vi.mock('../../src/routing/apache/rewrite.js', () => ({
  applyRewrite: (_d: unknown, ctx: { perDir?: { dir: string }; path: string }) => ({
    result: 'pass',
    passThrough: false,
    last: false,
    end: false,
    env: {},
    steps: [],
    uncertain: [],
    ...(state.rewrite?.(ctx) ?? {}),
  }),
}));
vi.mock('../../src/routing/apache/htaccess.js', () => ({
  allowOverrideOf: () => ({ classes: new Set(state.allow ? ['FileInfo'] : []), list: new Set() }),
  readHtaccess: (dir: string) => state.htaccess?.(dir),
}));

const CONF = `<FilesMatch "\\.php$">
SetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"
</FilesMatch>
<VirtualHost *:80>
ServerName r.example
DocumentRoot /srv/r
RewriteEngine On
RewriteRule ^/x$ /index.php [L]
Alias /al /opt/al
<Directory /srv/r/d>
RewriteEngine On
RewriteRule ^ index.php [L]
</Directory>
</VirtualHost>
`;
const FILES = {
  '/srv/r/index.php': '<?php',
  '/srv/r/d/index.php': '<?php',
  '/srv/r/d/a.html': 'x',
  '/opt/al/y.php': '<?php',
};

beforeEach(() => {
  state.rewrite = undefined;
  state.htaccess = undefined;
  state.allow = false;
});

describe('route core ↔ mod_rewrite outcomes', () => {
  const m = modelOf(CONF);
  it('server context: a redirect', () => {
    state.rewrite = (c) => (c.perDir ? {} : { result: 'redirect', target: 'https://r.example/x', status: 301 });
    expect(trace(m, FILES, 'http://r.example/x')).toMatchObject({
      outcome: 'status',
      status: 301,
      location: 'https://r.example/x',
    });
  });
  it('server context: forbidden and gone', () => {
    state.rewrite = () => ({ result: 'forbidden' });
    expect(trace(m, FILES, 'http://r.example/x').status).toBe(403);
    state.rewrite = () => ({ result: 'gone' });
    expect(trace(m, FILES, 'http://r.example/x').status).toBe(410);
  });
  it('server context: a URL-path under the docroot (its first component is not on disk)', () => {
    state.rewrite = (c) => (c.perDir ? {} : { result: 'rewritten', target: '/index.php' });
    const r = trace(m, FILES, 'http://r.example/x');
    expect(r.file).toBe('/srv/r/index.php');
    expect(r.outcome).toBe('fastcgi');
  });
  it('server context: [PT] goes on to Alias', () => {
    state.rewrite = (c) => (c.perDir ? {} : { result: 'rewritten', target: '/al/y.php', passThrough: true });
    expect(trace(m, FILES, 'http://r.example/x').file).toBe('/opt/al/y.php');
  });
  it('server context: [P] to a FastCGI URL', () => {
    state.rewrite = (c) => (c.perDir ? {} : { result: 'proxy', target: 'fcgi://127.0.0.1:9000/srv/r/index.php' });
    const r = trace(m, FILES, 'http://r.example/x');
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend?.target).toBe('127.0.0.1:9000');
  });
  it('per-directory: a changed file is an internal redirect; a loop ends at LimitInternalRecursion', () => {
    state.rewrite = (c) =>
      c.perDir && c.path.endsWith('a.html') ? { result: 'rewritten', target: '/srv/r/d/index.php' } : {};
    const r = trace(m, FILES, 'http://r.example/d/a.html');
    expect(r.file).toBe('/srv/r/d/index.php');
    expect(r.outcome).toBe('fastcgi');
    state.rewrite = (c) => (c.perDir ? { result: 'rewritten', target: '/d/a.html' } : {});
    expect(trace(m, FILES, 'http://r.example/d/a.html')).toMatchObject({ outcome: 'status', status: 500 });
  });
});

describe('route core ↔ .htaccess', () => {
  const m = modelOf(CONF);
  it('a problem makes the request answer 500 and is reported', () => {
    state.allow = true;
    state.htaccess = (dir) =>
      dir === '/srv/r'
        ? {
            file: '/srv/r/.htaccess',
            directives: [],
            problems: [
              {
                file: '/srv/r/.htaccess',
                line: 1,
                directive: 'php_value',
                kind: 'unknown',
                message: "Invalid command 'php_value'",
              },
            ],
          }
        : undefined;
    const r = trace(m, FILES, 'http://r.example/index.php');
    expect(r).toMatchObject({ outcome: 'status', status: 500 });
    expect(r.htaccess[0]?.directive).toBe('php_value');
  });
  it('AllowOverride None: the file is not read', () => {
    state.allow = false;
    state.htaccess = () => {
      throw new Error('must not be read');
    };
    expect(trace(m, FILES, 'http://r.example/index.php').outcome).toBe('fastcgi');
  });
});

describe('.htaccess sections', () => {
  const m = modelOf(CONF);
  it('<FilesMatch> and <If>/<Else> inside a .htaccess apply to the file', async () => {
    const { parseConfig, MemoryFileSource } = await import('../../src/apache/index.js');
    const parsed = parseConfig({
      rootFile: '/srv/r/.htaccess',
      serverRoot: '/srv/r',
      source: new MemoryFileSource({
        '/srv/r/.htaccess':
          '<FilesMatch "\\.html$">\nSetHandler "proxy:unix:/run/other.sock|fcgi://localhost"\n</FilesMatch>\n<If "%{REQUEST_URI} == \'/zzz\'">\nRequire all denied\n</If>\n<Else>\nRequire all granted\n</Else>\n',
      }),
      env: {},
    });
    state.allow = true;
    state.htaccess = (dir) =>
      dir === '/srv/r' ? { file: '/srv/r/.htaccess', directives: parsed.directives, problems: [] } : undefined;
    const r = trace(m, { ...FILES, '/srv/r/b.html': 'x' }, 'http://r.example/b.html');
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend?.target).toBe('unix:/run/other.sock');
  });
});
