/**
 * Which proxy-url-invalid cases stop Apache, held to `apache2 -t` (2.4): the
 * lines proxyUrlLinesStoppingApache names (and so server-not-running's "would
 * not start") must be exactly those of the configurations Apache refuses.
 * A socket path too long to connect to (SetHandler) starts; the same path in a
 * ProxyPass worker (96 bytes and more) does not.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { analyzeConfig } from '../../src/checks/config/index.js';
import { proxyUrlLinesStoppingApache } from '../../src/checks/config/proxyUrlInvalid.js';
import { APACHE_BINARY, APACHE_MODULE_DIR } from './harness/apache.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import { makeTempDir, writeFile } from './harness/tempdir.js';

const haveApache =
  requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg) &&
  requireBinary(BINARIES.modProxyFcgi.name, BINARIES.modProxyFcgi.path, BINARIES.modProxyFcgi.pkg);

const sock = (bytes: number) => `/run/${'p'.repeat(bytes - '/run/'.length - '.sock'.length)}.sock`;

/** [name, the line under test, does Apache start] */
const CASES: [string, string, boolean][] = [
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

describe.skipIf(!haveApache)('proxy-url-invalid cases that stop Apache, against apache2 -t', () => {
  it.each(CASES)('%s', (_name, line, starts) => {
    const dir = makeTempDir('proxy-url-startup');
    try {
      const conf = writeFile(
        dir.join('httpd.conf'),
        [
          `ServerRoot "${dir.path}"`,
          ...MODULES.map((m) => `LoadModule ${m}_module ${APACHE_MODULE_DIR}/mod_${m}.so`),
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
      const { model } = analyzeConfig({ root: conf });
      expect(proxyUrlLinesStoppingApache(model).size > 0, apache.stderr).toBe(!starts);
    } finally {
      dir.remove();
    }
  });
});
