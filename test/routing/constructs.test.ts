import { describe, expect, it } from 'vitest';
import { modelOf, trace } from './helpers.js';

const V = (body: string) => `<VirtualHost *:80>\nServerName c.example\nDocumentRoot /srv/c\n${body}\n</VirtualHost>\n`;
const FILES = {
  '/srv/c/a.php': '<?php',
  '/srv/c/b.html': 'x',
  '/srv/c/up/u.php': '<?php',
  '/srv/c/app/index.php': '<?php',
};
const FPM = 'SetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"';

describe('constructs', () => {
  it('RemoveHandler in a deeper directory undoes AddHandler', () => {
    const m = modelOf(
      V(
        `AddHandler fcgid-script .php\n<Directory /srv/c>\nOptions +ExecCGI\n</Directory>\n<Directory /srv/c/up>\nRemoveHandler .php\n</Directory>`,
      ),
    );
    expect(trace(m, FILES, 'http://c.example/a.php').outcome).toBe('fastcgi');
    expect(trace(m, FILES, 'http://c.example/up/u.php').outcome).toBe('static');
  });
  it('AddType with no handler: static', () => {
    const m = modelOf(V('AddType application/x-httpd-php .php'));
    expect(trace(m, FILES, 'http://c.example/a.php')).toMatchObject({ outcome: 'static', handler: null });
  });
  it('Action on a content type (AddType + Action)', () => {
    const m = modelOf(
      V(
        'AddType application/x-httpd-php .php\nAction application/x-httpd-php /fpm virtual\n<Location /fpm>\n' +
          FPM +
          '\n</Location>',
      ),
    );
    const r = trace(m, FILES, 'http://c.example/a.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.pathInfo).toBe('/a.php');
  });
  it('<DirectoryMatch> applies after <Directory>', () => {
    const m = modelOf(
      V(
        `<Directory /srv/c/up>\n${FPM}\n</Directory>\n<DirectoryMatch "^/srv/c/u">\nSetHandler None\n</DirectoryMatch>`,
      ),
    );
    expect(trace(m, FILES, 'http://c.example/up/u.php').outcome).toBe('static');
  });
  it('<Files> applies after <DirectoryMatch>, <Location> after <Files>', () => {
    const m = modelOf(
      V(`<Files "u.php">\nSetHandler None\n</Files>\n<DirectoryMatch "^/srv/c/up">\n${FPM}\n</DirectoryMatch>`),
    );
    expect(trace(m, FILES, 'http://c.example/up/u.php').outcome).toBe('static');
    const m2 = modelOf(V(`<Location /up>\n${FPM}\n</Location>\n<Files "u.php">\nSetHandler None\n</Files>`));
    expect(trace(m2, FILES, 'http://c.example/up/u.php').outcome).toBe('fastcgi');
  });
  it('<Directory> shortest first: the deeper one wins', () => {
    const m = modelOf(
      V(`<Directory /srv/c/up>\nSetHandler None\n</Directory>\n<Directory /srv/c>\n${FPM}\n</Directory>`),
    );
    expect(trace(m, FILES, 'http://c.example/up/u.php').outcome).toBe('static');
    expect(trace(m, FILES, 'http://c.example/a.php').outcome).toBe('fastcgi');
  });
  it('main server sections before the vhost ones', () => {
    const m = modelOf(
      `<Directory /srv/c>\nRequire all denied\n</Directory>\n${V('<Directory /srv/c>\nRequire all granted\n</Directory>')}`,
    );
    expect(trace(m, FILES, 'http://c.example/b.html').outcome).toBe('static');
  });
  it('FallbackResource for a missing file', () => {
    const m = modelOf(V(`FallbackResource /app/index.php\n<FilesMatch "\\.php$">\n${FPM}\n</FilesMatch>`));
    const r = trace(m, FILES, 'http://c.example/some/route');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe('/srv/c/app/index.php');
  });
  it('ProxyPass inside <Location>', () => {
    const m = modelOf(V('<Location /api>\nProxyPass fcgi://127.0.0.1:9001/srv/api/\n</Location>'));
    const r = trace(m, FILES, 'http://c.example/api/x.php');
    expect(r.backend?.target).toBe('127.0.0.1:9001');
  });
  it('RedirectMatch with a backreference keeps the query', () => {
    const m = modelOf(V('RedirectMatch 301 ^/old/(.*)$ https://n.example/$1'));
    expect(trace(m, FILES, 'http://c.example/old/p?q=1')).toMatchObject({
      status: 301,
      location: 'https://n.example/p?q=1',
    });
  });
  it('Deny from all with mod_access_compat', () => {
    const m = modelOf(V('<Directory /srv/c>\nOrder deny,allow\nDeny from all\n</Directory>'));
    expect(trace(m, FILES, 'http://c.example/b.html').status).toBe(403);
  });
  it('Require ip is uncertain, assumed granted', () => {
    const m = modelOf(V('<Directory /srv/c>\nRequire ip 10.0.0.0/8\n</Directory>'));
    const r = trace(m, FILES, 'http://c.example/b.html');
    expect(r.outcome).toBe('static');
    expect(r.uncertain.join()).toMatch(/Require ip/);
  });
  it('<RequireAll> with all denied: 403', () => {
    const m = modelOf(
      V('<Directory /srv/c>\n<RequireAll>\nRequire all granted\nRequire all denied\n</RequireAll>\n</Directory>'),
    );
    expect(trace(m, FILES, 'http://c.example/b.html').status).toBe(403);
  });
  it('FastCgiServer (static): no ExecCGI needed, started by Apache', () => {
    const m = modelOf(V('FastCgiServer /srv/c/app.fcgi -processes 1\nAlias /app.fcgi /srv/c/app.fcgi'));
    const r = trace(m, { ...FILES, '/srv/c/app.fcgi': '#!/bin/sh' }, 'http://c.example/app.fcgi/x');
    expect(r.backend).toMatchObject({ module: 'fastcgi', mode: 'static', target: null });
    expect(r.pathInfo).toBe('/x');
  });
  it('fastcgi-script dynamic needs ExecCGI', () => {
    const m = modelOf(V('AddHandler fastcgi-script .fcgi'));
    expect(trace(m, { '/srv/c/d.fcgi': '#!/bin/sh' }, 'http://c.example/d.fcgi').status).toBe(403);
    const ok = modelOf(V('AddHandler fastcgi-script .fcgi\n<Directory /srv/c>\nOptions +ExecCGI\n</Directory>'));
    const r = trace(ok, { '/srv/c/d.fcgi': '#!/bin/sh' }, 'http://c.example/d.fcgi');
    expect(r.backend).toMatchObject({ module: 'fastcgi', mode: 'dynamic', target: null, script: '/srv/c/d.fcgi' });
  });
});

describe('symbolic links and DirectoryIndex lists', () => {
  it('a link is refused without FollowSymLinks, followed with it', () => {
    const files = { '/data/real.html': 'x', '/srv/c/l.html': { target: '/data/real.html' } };
    const off = modelOf(V('<Directory /srv/c>\nOptions -FollowSymLinks\n</Directory>'));
    expect(trace(off, files, 'http://c.example/l.html').status).toBe(403);
    const on = modelOf(V(''));
    expect(trace(on, files, 'http://c.example/l.html').outcome).toBe('static');
  });
  it('DirectoryIndex lines of one context add up', () => {
    const m = modelOf(V('DirectoryIndex index.html\nDirectoryIndex index.php'));
    expect(trace(m, FILES, 'http://c.example/app/').file).toBe('/srv/c/app/index.php');
  });
});

describe('odd files', () => {
  it('a FIFO is not read: the route says it cannot tell', () => {
    const m = modelOf(V(''));
    const r = trace(m, { '/srv/c/pipe.html': { type: 'fifo' } }, 'http://c.example/pipe.html');
    expect(r.uncertain.join()).toMatch(/not a regular file/);
  });
  it('the default handler: POST served, PUT → 405, OPTIONS → 200', () => {
    const m = modelOf(V(''));
    expect(trace(m, FILES, 'http://c.example/b.html', { method: 'POST' }).outcome).toBe('static');
    expect(trace(m, FILES, 'http://c.example/b.html', { method: 'PUT' }).status).toBe(405);
    expect(trace(m, FILES, 'http://c.example/b.html', { method: 'OPTIONS' }).status).toBe(200);
    expect(trace(m, FILES, 'http://c.example/b.html', { method: 'HEAD' }).outcome).toBe('static');
  });
  it('a docroot that is missing: 404', () => {
    expect(trace(modelOf(V('')), {}, 'http://c.example/x.html').status).toBe(404);
  });
});
