import { describe, expect, it } from 'vitest';
import { modelOf, trace } from './helpers.js';

const FPM = `<FilesMatch ".+\\.ph(ar|p|tml)$">
    SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"
</FilesMatch>
DocumentRoot /var/www/html
`;
const BLOG = `<VirtualHost *:80>
    ServerName blog.example.org
    ServerAlias *.blog.example.org
    DocumentRoot /srv/blog
    DirectoryIndex index.php index.html
</VirtualHost>
`;
const FILES = {
  '/srv/blog/index.php': '<?php echo 1;',
  '/srv/blog/static.html': '<p>x</p>',
  '/srv/blog/sub/readme.txt': 'x',
  '/var/www/html/index.html': 'default',
};

describe('vhost selection', () => {
  const m = modelOf(
    `${FPM + BLOG}<VirtualHost *:80>\n ServerName other.example\n DocumentRoot /srv/other\n</VirtualHost>\n`,
  );
  it('name-based on ServerName', () => {
    const r = trace(m, FILES, 'http://blog.example.org/');
    expect(r.vhost?.serverName).toBe('blog.example.org');
    expect(r.steps[0]?.what).toBe('vhost');
    expect(r.steps[0]?.line).toBeGreaterThan(0);
  });
  it('ServerAlias wildcard', () => {
    expect(trace(m, FILES, 'http://www.blog.example.org/').vhost?.serverName).toBe('blog.example.org');
  });
  it('the first vhost of the address is the default', () => {
    const r = trace(m, FILES, 'http://unknown.example/');
    expect(r.vhost?.serverName).toBe('blog.example.org');
    expect(r.steps[0]?.text).toMatch(/first vhost/);
  });
  it('no vhost on the port: the main server', () => {
    const r = trace(m, FILES, 'http://blog.example.org:8080/index.html');
    expect(r.vhost).toBeNull();
    expect(r.file).toBe('/var/www/html/index.html');
    expect(r.outcome).toBe('static');
  });
  it('an address-bound vhost wins over * for its local address', () => {
    const m2 = modelOf(
      `${BLOG}<VirtualHost 10.0.0.5:80>\n ServerName ip.example\n DocumentRoot /srv/ip\n</VirtualHost>\n`,
    );
    const r = trace(m2, { '/srv/ip/a.html': 'x' }, 'http://blog.example.org/a.html');
    expect(r.vhost?.serverName).toBe('blog.example.org');
    expect(r.uncertain.join()).toMatch(/local address/);
  });
});

describe('Debian PHP-FPM wiring', () => {
  const m = modelOf(FPM + BLOG);
  it('a .php file in the vhost docroot reaches FPM via the server-wide FilesMatch', () => {
    const r = trace(m, FILES, 'http://blog.example.org/index.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe('/srv/blog/index.php');
    expect(r.handler).toBe('proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost');
    expect(r.backend).toMatchObject({ module: 'proxy_fcgi', mode: 'proxy', target: 'unix:/run/php/php8.2-fpm.sock' });
    expect(r.backend?.setupId).toMatch(/^proxy_fcgi:/);
  });
  it('DirectoryIndex: / → index.php', () => {
    const r = trace(m, FILES, 'http://blog.example.org/');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe('/srv/blog/index.php');
    expect(r.steps.some((s) => s.what === 'directoryindex')).toBe(true);
  });
  it('PATH_INFO after the script', () => {
    const r = trace(m, FILES, 'http://blog.example.org/index.php/foo/bar?x=1');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe('/srv/blog/index.php');
    expect(r.pathInfo).toBe('/foo/bar');
  });
  it('a missing .php is forwarded to the backend', () => {
    const r = trace(m, FILES, 'http://blog.example.org/nope.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.steps.some((s) => /forwards anyway/.test(s.text))).toBe(true);
  });
  it('a missing static file: 404', () => {
    const r = trace(m, FILES, 'http://blog.example.org/nope.html');
    expect(r).toMatchObject({ outcome: 'status', status: 404 });
  });
  it('static file with PATH_INFO: the default handler refuses it', () => {
    expect(trace(m, FILES, 'http://blog.example.org/static.html/x')).toMatchObject({ outcome: 'status', status: 404 });
  });
  it('AcceptPathInfo On lets the default handler serve it', () => {
    const m2 = modelOf(FPM + BLOG.replace('</VirtualHost>', 'AcceptPathInfo On\n</VirtualHost>'));
    expect(trace(m2, FILES, 'http://blog.example.org/static.html/x').outcome).toBe('static');
  });
  it('DirectorySlash: a directory without its slash → 301', () => {
    const r = trace(m, FILES, 'http://blog.example.org/sub?a=b');
    expect(r).toMatchObject({ outcome: 'status', status: 301, location: 'http://blog.example.org/sub/?a=b' });
  });
  it('a directory without an index: 403', () => {
    expect(trace(m, FILES, 'http://blog.example.org/sub/')).toMatchObject({ outcome: 'status', status: 403 });
  });
});

describe('URI normalisation', () => {
  const m = modelOf(FPM + BLOG);
  it('".." above the root: 400', () => {
    expect(trace(m, FILES, 'http://blog.example.org/../etc/passwd').status).toBe(400);
    expect(trace(m, FILES, 'http://blog.example.org/%2e%2e/etc/passwd').status).toBe(400);
  });
  it('"/a/../index.php" resolves', () => {
    expect(trace(m, FILES, 'http://blog.example.org/sub/../index.php').file).toBe('/srv/blog/index.php');
  });
  it('%2F: 404 unless AllowEncodedSlashes', () => {
    expect(trace(m, FILES, 'http://blog.example.org/sub%2Freadme.txt').status).toBe(404);
  });
  it('%00: 404', () => {
    expect(trace(m, FILES, 'http://blog.example.org/index.php%00.txt').status).toBe(404);
  });
  it('bad %-escape: 400', () => {
    expect(trace(m, FILES, 'http://blog.example.org/%zz').status).toBe(400);
  });
  it('merged slashes', () => {
    expect(trace(m, FILES, 'http://blog.example.org//index.php').file).toBe('/srv/blog/index.php');
  });
  it('a request line over LimitRequestLine: 414', () => {
    expect(trace(m, FILES, `http://blog.example.org/${'a'.repeat(9000)}`).status).toBe(414);
  });
});

describe('translate_name', () => {
  it('Alias maps outside the docroot', () => {
    const m = modelOf(FPM + BLOG.replace('</VirtualHost>', 'Alias /app /opt/app\n</VirtualHost>'));
    const r = trace(m, { '/opt/app/x.php': '<?php' }, 'http://blog.example.org/app/x.php');
    expect(r.file).toBe('/opt/app/x.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.steps.some((s) => s.what === 'alias')).toBe(true);
  });
  it('Alias does not match a longer segment', () => {
    const m = modelOf(FPM + BLOG.replace('</VirtualHost>', 'Alias /app /opt/app\n</VirtualHost>'));
    expect(trace(m, { '/srv/blog/application.html': 'x' }, 'http://blog.example.org/application.html').file).toBe(
      '/srv/blog/application.html',
    );
  });
  it('Redirect', () => {
    const m = modelOf(BLOG.replace('</VirtualHost>', 'Redirect permanent /old http://new.example\n</VirtualHost>'));
    expect(trace(m, {}, 'http://blog.example.org/old/page')).toMatchObject({
      status: 301,
      location: 'http://new.example/page',
    });
  });
  it('ProxyPassMatch to fcgiwrap with a backreference', () => {
    const m = modelOf(
      BLOG.replace(
        '</VirtualHost>',
        'ProxyPassMatch ^/bin/(.*\\.cgi)$ unix:/run/fcgiwrap.socket|fcgi://localhost/srv/cgi/bin/$1\n</VirtualHost>',
      ),
    );
    const r = trace(m, {}, 'http://blog.example.org/bin/hello.cgi');
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend).toMatchObject({ module: 'proxy_fcgi', target: 'unix:/run/fcgiwrap.socket' });
    expect(r.file).toBeNull();
    expect(r.steps.some((s) => s.what === 'proxypass')).toBe(true);
  });
  it('ProxyPass ! excludes a path', () => {
    const m = modelOf(
      BLOG.replace(
        '</VirtualHost>',
        'ProxyPass /static !\nProxyPass / fcgi://127.0.0.1:9000/srv/blog/\n</VirtualHost>',
      ),
    );
    expect(trace(m, { '/srv/blog/static/a.css': 'x' }, 'http://blog.example.org/static/a.css').outcome).toBe('static');
    expect(trace(m, {}, 'http://blog.example.org/x.php').backend?.target).toBe('127.0.0.1:9000');
  });
  it('ScriptAlias sets cgi-script', () => {
    const m = modelOf(BLOG.replace('</VirtualHost>', 'ScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n</VirtualHost>'));
    const r = trace(m, { '/usr/lib/cgi-bin/t.cgi': '#!/bin/sh' }, 'http://blog.example.org/cgi-bin/t.cgi');
    expect(r.handler).toBe('cgi-script');
  });
});

describe('handlers', () => {
  it('AddHandler fcgid-script needs ExecCGI', () => {
    const m = modelOf(BLOG.replace('</VirtualHost>', 'AddHandler fcgid-script .fcgi\n</VirtualHost>'));
    expect(trace(m, { '/srv/blog/a.fcgi': '#!/usr/bin/perl' }, 'http://blog.example.org/a.fcgi')).toMatchObject({
      status: 403,
    });
    const m2 = modelOf(
      BLOG.replace(
        '</VirtualHost>',
        'AddHandler fcgid-script .fcgi\n<Directory /srv/blog>\nOptions +ExecCGI\n</Directory>\n</VirtualHost>',
      ),
    );
    const r = trace(m2, { '/srv/blog/a.fcgi': '#!/usr/bin/perl' }, 'http://blog.example.org/a.fcgi');
    expect(r.outcome).toBe('fastcgi');
    expect(r.backend).toMatchObject({ module: 'fcgid', target: null, script: '/srv/blog/a.fcgi' });
    expect(r.backend?.setupId).toMatch(/^fcgid:/);
  });
  it('AcceptPathInfo Off: mod_fcgid refuses PATH_INFO, mod_proxy_fcgi ignores it', () => {
    const m = modelOf(
      FPM +
        BLOG.replace(
          '</VirtualHost>',
          'AcceptPathInfo Off\nAddHandler fcgid-script .fcgi\n<Directory /srv/blog>\nOptions +ExecCGI\n</Directory>\n</VirtualHost>',
        ),
    );
    const files = { ...FILES, '/srv/blog/a.fcgi': '#!/bin/sh' };
    expect(trace(m, files, 'http://blog.example.org/a.fcgi/x')).toMatchObject({ status: 404 });
    expect(trace(m, files, 'http://blog.example.org/index.php/x').outcome).toBe('fastcgi');
  });
  it("mod_mime's every-extension rule: the last known extension wins", () => {
    const m = modelOf(
      BLOG.replace('</VirtualHost>', 'AddHandler fcgid-script .fcgi\nAddHandler cgi-script .cgi\n</VirtualHost>'),
    );
    expect(trace(m, { '/srv/blog/a.fcgi.cgi': 'x' }, 'http://blog.example.org/a.fcgi.cgi').handler).toBe('cgi-script');
  });
  it('SetHandler None removes an inherited SetHandler', () => {
    const m = modelOf(
      FPM +
        BLOG.replace(
          '</VirtualHost>',
          '<Directory /srv/blog/up>\n<FilesMatch "\\.php$">\nSetHandler None\n</FilesMatch>\n</Directory>\n</VirtualHost>',
        ),
    );
    expect(trace(m, { '/srv/blog/up/x.php': '<?php' }, 'http://blog.example.org/up/x.php').outcome).toBe('static');
  });
  it('Require all denied: 403', () => {
    const m = modelOf(
      FPM +
        BLOG.replace('</VirtualHost>', '<Directory /srv/blog/sub>\nRequire all denied\n</Directory>\n</VirtualHost>'),
    );
    expect(trace(m, FILES, 'http://blog.example.org/sub/readme.txt')).toMatchObject({ status: 403 });
    expect(trace(m, FILES, 'http://blog.example.org/static.html').outcome).toBe('static');
  });
  it('a Location denies', () => {
    const m = modelOf(
      FPM + BLOG.replace('</VirtualHost>', '<Location /static.html>\nRequire all denied\n</Location>\n</VirtualHost>'),
    );
    expect(trace(m, FILES, 'http://blog.example.org/static.html').status).toBe(403);
  });
  it('<If> on REQUEST_URI is decided; an unknown one is uncertain', () => {
    const m = modelOf(
      FPM +
        BLOG.replace(
          '</VirtualHost>',
          '<If "%{REQUEST_URI} =~ m#^/static#">\nRequire all denied\n</If>\n<If "%{HTTP_COOKIE} == \'a\'">\nRequire all denied\n</If>\n</VirtualHost>',
        ),
    );
    const r = trace(m, FILES, 'http://blog.example.org/static.html');
    expect(r.status).toBe(403);
    const r2 = trace(m, FILES, 'http://blog.example.org/index.php');
    expect(r2.outcome).toBe('fastcgi');
    expect(r2.uncertain.join()).toMatch(/cannot be decided/);
  });
  it('Action chain (mod_fastcgi external server through Alias)', () => {
    const m = modelOf(
      BLOG.replace(
        '</VirtualHost>',
        'AddHandler php-fcgi .php\nAction php-fcgi /php-fcgi virtual\nAlias /php-fcgi /usr/lib/cgi-bin/php-fcgi\nFastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php/php-fpm.sock\n</VirtualHost>',
      ),
    );
    // The external server's path need not exist; its directory does (mod_fastcgi matches r->filename exactly).
    const r = trace(m, { ...FILES, '/usr/lib/cgi-bin': { type: 'dir' } }, 'http://blog.example.org/index.php');
    expect(r.outcome).toBe('fastcgi');
    expect(r.file).toBe('/usr/lib/cgi-bin/php-fcgi');
    expect(r.backend).toMatchObject({ module: 'fastcgi', mode: 'external', target: 'unix:/run/php/php-fpm.sock' });
    expect(r.pathInfo).toBe('/index.php');
    expect(r.steps.some((s) => s.what === 'action')).toBe(true);
  });
});

describe('never throws', () => {
  it('garbage in, a route out', () => {
    const m = modelOf(FPM + BLOG);
    for (const p of ['/%', '/%ff%fe', '/./././', '/a/b/../../..', '/\u00e9t\u00e9.php'])
      expect(() => trace(m, FILES, `http://blog.example.org${p}`)).not.toThrow();
  });
});

describe('mod_rewrite in a vhost and the main server (RewriteOptions Inherit)', () => {
  const MAIN = `RewriteEngine On\nRewriteRule ^/old/(.*)$ /new/$1 [R=302,L]\n`;
  const vhost = (own: string) =>
    `<VirtualHost *:80>\n ServerName app.example\n DocumentRoot /srv/app\n${own}</VirtualHost>\n`;
  const files = { '/srv/app/old/page.html': 'old' };

  it("a vhost with rules of its own runs only them: the main server's are not inherited", () => {
    const m = modelOf(`${MAIN}${vhost(' RewriteEngine On\n RewriteRule ^/x$ /y [L]\n')}`);
    const r = trace(m, files, 'http://app.example/old/page.html');
    expect(r.outcome).toBe('static');
  });

  it("RewriteOptions Inherit: the main server's rules run after the vhost's", () => {
    const m = modelOf(`${MAIN}${vhost(' RewriteEngine On\n RewriteOptions Inherit\n RewriteRule ^/x$ /y [L]\n')}`);
    const r = trace(m, files, 'http://app.example/old/page.html');
    expect({ outcome: r.outcome, status: r.status, location: r.location }).toEqual({
      outcome: 'status',
      status: 302,
      location: 'http://app.example/new/page.html',
    });
  });
});
