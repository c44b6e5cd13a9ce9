/**
 * Which configuration errors stop Apache, held to `apache2 -t` (2.4):
 * configErrorsStoppingApache (server-not-running's "would not start as it is")
 * must name an error exactly for the configurations Apache refuses. A socket
 * path too long to connect to (SetHandler) starts; the same path in a ProxyPass
 * worker (96 bytes and more) does not. A FastCGI directive of an unloaded module
 * stops Apache; a handler with no module behind it does not.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyzeConfig } from '../../src/checks/config/index.js';
import { configErrorsStoppingApache } from '../../src/checks/config/stopsApache.js';
import { APACHE_BINARY, APACHE_MODULE_DIR } from './harness/apache.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import { makeTempDir, writeFile } from './harness/tempdir.js';

const haveApache =
  requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg) &&
  requireBinary(BINARIES.modProxyFcgi.name, BINARIES.modProxyFcgi.path, BINARIES.modProxyFcgi.pkg);

const sock = (bytes: number) => `/run/${'p'.repeat(bytes - '/run/'.length - '.sock'.length)}.sock`;

/** [name, the line under test, does Apache start, modules left out] */
const CASES: [string, string, boolean, string[]?][] = [
  [
    'SetHandler, 120-byte socket',
    `<FilesMatch x>\nSetHandler "proxy:unix:${sock(120)}|fcgi://localhost"\n</FilesMatch>`,
    true,
  ],
  ['ProxyPass, 95-byte socket', `ProxyPass /a/ "unix:${sock(95)}|fcgi://localhost/"`, true],
  ['ProxyPass, 96-byte socket', `ProxyPass /a/ "unix:${sock(96)}|fcgi://localhost/"`, false],
  ['ProxyPassMatch, 100-byte socket', `ProxyPassMatch ^/a/(.*)$ "unix:${sock(100)}|fcgi://localhost/$1"`, false],
  [
    'BalancerMember, 100-byte socket',
    `<Proxy balancer://app>\nBalancerMember "unix:${sock(100)}|fcgi://localhost"\n</Proxy>`,
    false,
  ],
  [
    'RewriteRule [P], 120-byte socket',
    `RewriteEngine On\nRewriteRule ^/a/(.*)$ "unix:${sock(120)}|fcgi://localhost/$1" [P]`,
    true,
  ],
  ['ProxyPass, socket without |fcgi://', 'ProxyPass /a/ unix:/run/x.sock', false],
  ['RewriteRule [P], socket without |fcgi://', 'RewriteEngine On\nRewriteRule ^/a unix:/run/x.sock [P]', true],
  [
    'SetHandler proxy: without mod_proxy_fcgi',
    '<FilesMatch x>\nSetHandler "proxy:unix:/run/x.sock|fcgi://localhost"\n</FilesMatch>',
    true,
    ['proxy', 'proxy_fcgi', 'proxy_balancer'],
  ],
  ['FcgidIPCDir without mod_fcgid', 'FcgidIPCDir /run/fcgid', false],
  ['SetHandler fcgid-script without mod_fcgid', '<FilesMatch x>\nSetHandler fcgid-script\n</FilesMatch>', true],
  ['SetHandler, socket without |fcgi://', '<FilesMatch x>\nSetHandler "proxy:unix:/run/x.sock"\n</FilesMatch>', true],
  ['ProxyPass, fcgi:// without a host', 'ProxyPass /a/ fcgi://', false],
  ['ProxyPass, no scheme after the socket', 'ProxyPass /a/ "unix:/run/x.sock|fcgi"', false],
  [
    'RewriteRule [P], no scheme after the socket',
    'RewriteEngine On\nRewriteRule ^/a "unix:/run/x.sock|fcgi" [P]',
    true,
  ],
  [
    'SetHandler, no scheme after the socket',
    '<Location /d>\nSetHandler "proxy:unix:/run/x.sock|fcgi"\n</Location>',
    true,
  ],
];

const MODULES = ['mpm_event', 'authz_core', 'proxy', 'proxy_fcgi', 'proxy_balancer', 'slotmem_shm', 'rewrite'];

describe.skipIf(!haveApache)('configuration errors that stop Apache, against apache2 -t', () => {
  it.each(CASES)('%s', (_name, line, starts, omit = []) => {
    const dir = makeTempDir('proxy-url-startup');
    try {
      const conf = writeFile(
        dir.join('httpd.conf'),
        [
          `ServerRoot "${dir.path}"`,
          ...MODULES.filter((m) => !omit.includes(m)).map(
            (m) => `LoadModule ${m}_module ${APACHE_MODULE_DIR}/mod_${m}.so`,
          ),
          'Listen 127.0.0.1:1',
          'ServerName parity.test',
          `ErrorLog "${dir.join('error.log')}"`,
          `PidFile "${dir.join('httpd.pid')}"`,
          `DefaultRuntimeDir "${dir.path}"`,
          line,
          '',
        ].join('\n'),
      );
      const apache = spawnSync(APACHE_BINARY, ['-t', '-f', conf], { encoding: 'utf8' });
      expect(apache.status === 0, `${apache.stderr}`).toBe(starts);
      const { model, findings } = analyzeConfig({ root: conf });
      const stopping = configErrorsStoppingApache(model, findings);
      expect(stopping.length > 0, `${apache.stderr}\n${JSON.stringify(findings.map((f) => [f.id, f.message]))}`).toBe(
        !starts,
      );
    } finally {
      dir.remove();
    }
  });
});
