/**
 * SERVER_PORT and redirects as core.c ap_get_server_port gives them: the Host
 * header's port (UseCanonicalName Off), else the server_rec's port (its
 * ServerName's; a vhost without one keeps its first address's), else the
 * scheme's default — never the port the connection arrived on. Observed on
 * Apache 2.4.71: fixtures/routing/usecanonicalname-server-port.
 */
import { describe, expect, it } from 'vitest';
import { modelOf, trace } from './helpers.js';

const MODS = ['mime', 'dir', 'proxy', 'proxy_fcgi', 'authz_core', 'rewrite'];
const FPM = '<FilesMatch "\\.php$">\n  SetHandler "proxy:unix:/run/php/fpm.sock|fcgi://localhost"\n</FilesMatch>';
const FILES = { '/srv/a/index.php': '<?php', '/srv/a/dir/index.php': '<?php' };
const conf = (vhost: string) =>
  `Listen 8080\n<VirtualHost *:8080>\n${vhost}\nDocumentRoot /srv/a\n<Directory /srv/a>\nRequire all granted\n</Directory>\n${FPM}\n</VirtualHost>\n`;

const port = (vhost: string, url: string, host?: string) =>
  trace(modelOf(conf(vhost), {}, MODS), FILES, url, host ? { headers: { Host: host } } : {}).backend?.params
    .SERVER_PORT;

describe('SERVER_PORT (ap_get_server_port)', () => {
  it("UseCanonicalName Off: the Host header's port, else the ServerName's, else 80", () => {
    expect(port('ServerName a.test', 'http://a.test:8080/index.php')).toBe('8080');
    expect(port('ServerName a.test', 'http://127.0.0.1:8080/index.php', 'a.test')).toBe('80');
    expect(port('ServerName a.test:8443', 'http://127.0.0.1:8080/index.php', 'a.test')).toBe('8443');
  });
  it("a vhost without ServerName keeps its first address's port", () => {
    expect(port('', 'http://127.0.0.1:8080/index.php', 'b.test')).toBe('8080');
  });
  it("UseCanonicalName On: the ServerName's port whatever the Host says, else 80", () => {
    expect(port('ServerName a.test:8443\nUseCanonicalName On', 'http://a.test:8080/index.php')).toBe('8443');
    expect(port('ServerName a.test\nUseCanonicalName On', 'http://a.test:8080/index.php')).toBe('80');
  });
  it('the Host header is sent as the client sent it; a redirect is built from the same name and port', () => {
    const m = modelOf(conf('ServerName a.test'), {}, MODS);
    const r = trace(m, FILES, 'http://127.0.0.1:8080/index.php', { headers: { Host: 'A.test' } });
    expect(r.backend?.params.HTTP_HOST).toBe('A.test');
    const d = trace(m, FILES, 'http://127.0.0.1:8080/dir', { headers: { Host: 'a.test' } });
    expect(d.location).toBe('http://a.test/dir/');
  });
  it('mod_rewrite in the vhost: SCRIPT_URL and SCRIPT_URI', () => {
    const p = trace(
      modelOf(conf('ServerName a.test\nRewriteEngine On'), {}, MODS),
      FILES,
      'http://a.test:8080/index.php',
    ).backend?.params;
    expect(p?.SCRIPT_URL).toBe('/index.php');
    expect(p?.SCRIPT_URI).toBe('http://a.test:8080/index.php');
  });
});
