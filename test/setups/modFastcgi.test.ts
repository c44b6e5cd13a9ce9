import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOAD, setupsOf } from './helpers.js';

const seed = (name: string) => readFileSync(path.resolve(__dirname, '../../fixtures/seed', name), 'utf8');

describe('mod_fastcgi', () => {
  it('the seed lazy vhost: one static server on /tmp/fcgi.sock, 4 processes, reached by <Files app.py>', () => {
    const [s, ...rest] = setupsOf(LOAD.common + LOAD.fastcgi + seed('lazy-vhost'));
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      module: 'fastcgi',
      mode: 'static',
      loaded: true,
      active: true,
      script: '/var/www/test/htdocs/app.py',
      endpoint: { kind: 'unix', path: '/tmp/fcgi.sock' },
      params: { processes: '4', socket: '/tmp/fcgi.sock' },
      timeouts: { idle: 30, appConnTimeout: 0 },
      runAs: { user: 'www-data', group: 'www-data', via: 'web-server' },
      vhost: { addresses: ['*:80'], serverName: 'test' },
      definedAt: { line: 20 },
    });
    expect(s?.reachedBy).toEqual([
      expect.objectContaining({ kind: 'SetHandler', handler: 'fastcgi-script', files: 'app.py' }),
    ]);
    expect(s?.sections.map((x) => x.name)).toEqual(['VirtualHost']);
  });
  it('static with -port: TCP on localhost', () => {
    const [s] = setupsOf(LOAD.fastcgi + seed('static-port-vhost'));
    expect(s).toMatchObject({ mode: 'static', endpoint: { kind: 'tcp', host: 'localhost', port: 8080 } });
  });
  it('external with -socket and with -host', () => {
    expect(setupsOf(LOAD.fastcgi + seed('external-socket-vhost'))[0]).toMatchObject({
      mode: 'external',
      endpoint: { kind: 'unix', path: '/tmp/fcgi.sock' },
    });
    const tcp = setupsOf(LOAD.fastcgi + seed('external-tcp-vhost'))[0];
    expect(tcp).toMatchObject({ mode: 'external', endpoint: { kind: 'tcp', host: '10.1.1.1', port: 8080 } });
    expect(tcp?.runAs).toBeUndefined();
  });
  it('relative -socket resolves against FastCgiIpcDir; no socket → a generated name there', () => {
    const s = setupsOf(
      `${LOAD.fastcgi}FastCgiIpcDir /var/lib/apache2/fastcgi\nFastCgiServer /srv/a.fcgi -socket a.sock\nFastCgiServer /srv/b.fcgi\n`,
    );
    expect(s[0]?.endpoint).toEqual({ kind: 'unix', path: '/var/lib/apache2/fastcgi/a.sock' });
    expect(s[1]?.endpoint).toMatchObject({ kind: 'unix', generated: true });
    expect((s[1]!.endpoint as { path: string }).path).toMatch(/^\/var\/lib\/apache2\/fastcgi\/[0-9a-f]{32}$/);
  });
  it('default FastCgiIpcDir is logs/fastcgi under ServerRoot', () => {
    expect(setupsOf(`${LOAD.fastcgi}FastCgiServer /srv/a.fcgi -socket a.sock\n`)[0]?.endpoint).toEqual({
      kind: 'unix',
      path: '/etc/apache2/logs/fastcgi/a.sock',
    });
  });
  it('resolves the classic AddHandler → Action → Alias → FastCgiExternalServer chain', () => {
    const conf = `${LOAD.fastcgi}<VirtualHost *:80>
ServerName php.example
AddHandler php-fcgi .php
Action php-fcgi /php-fcgi
Alias /php-fcgi /usr/lib/cgi-bin/php-fcgi
FastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/php/php8.1-fpm.sock -pass-header Authorization -idle-timeout 300
</VirtualHost>
`;
    const [s] = setupsOf(conf);
    expect(s).toMatchObject({
      mode: 'external',
      endpoint: { kind: 'unix', path: '/run/php/php8.1-fpm.sock' },
      timeouts: { idle: 300 },
      params: { 'pass-header': 'Authorization' },
    });
    expect(s?.reachedBy).toEqual([
      expect.objectContaining({ kind: 'Action', handler: 'php-fcgi', extensions: ['.php'], urlPath: '/php-fcgi' }),
    ]);
  });
  it('a broken chain (Action URL ≠ Alias URL) reaches nothing, and says so', () => {
    const [s] = setupsOf(
      `${LOAD.fastcgi}AddHandler php-fcgi .php\nAction php-fcgi /php5-fcgi\nAlias /php-fcgi /usr/lib/cgi-bin/php-fcgi\nFastCgiExternalServer /usr/lib/cgi-bin/php-fcgi -socket /run/x.sock\n`,
    );
    expect(s?.reachedBy).toEqual([]);
    expect(s?.notes[0]).toContain('No fastcgi-script handler or Action chain');
  });
  it('a fastcgi-script handler with no server is a dynamic app, with the Options of its directory', () => {
    const s = setupsOf(
      `${LOAD.fastcgi}<Directory /var/www/cgi>\nOptions Indexes\nAddHandler fastcgi-script .fcgi\n</Directory>\n`,
    );
    expect(s).toHaveLength(1);
    expect(s[0]).toMatchObject({ mode: 'dynamic', options: { directory: '/var/www/cgi', values: ['Indexes'] } });
    // No file is named: none is made up (issue 12 item 8).
    expect(s[0]?.script).toBeUndefined();
  });
  it('records a setup in a false <IfModule> as inactive, with the reason', () => {
    const [s] = setupsOf(`<IfModule mod_fastcgi.c>\nFastCgiExternalServer /x -host 127.0.0.1:9000\n</IfModule>\n`);
    expect(s).toMatchObject({ active: false, loaded: false });
    expect(s?.inactiveReason).toContain('<IfModule mod_fastcgi.c> is false');
    expect(s?.sections[0]).toMatchObject({ name: 'IfModule', condition: false, active: true });
  });
});
