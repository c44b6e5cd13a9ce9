/**
 * readHtaccess against a real Apache 2.4: for each .htaccess case, the status
 * Apache answers for a file beneath it (500 for a line it cannot run, 403 for
 * a file it cannot open, 200 otherwise) and the message its error log writes
 * must be what readHtaccess's problem says.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryFileSource, parseConfig, type LoadedModule } from '../../src/apache/index.js';
import { allowOverrideOf, readHtaccess } from '../../src/routing/apache/htaccess.js';
import { liveFileSystem } from '../../src/system/fileSystem.js';
import { APACHE_BASE_MODULES, startApache, type ApacheServer } from './harness/apache.js';
import { BINARIES, requireBinary } from './harness/requireServer.js';
import type { FileSpec } from './harness/tempdir.js';

const haveApache = requireBinary(BINARIES.apache.name, BINARIES.apache.path, BINARIES.apache.pkg);

interface Case {
  name: string;
  /** Lines for <Directory docRoot/name>. */
  allow: string;
  htaccess: FileSpec;
  /** What Apache answers (checked against Apache, then our prediction against it). */
  status: 200 | 403 | 500;
}

const WORDPRESS = `# BEGIN WordPress
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteBase /wordpress/
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /wordpress/index.php [L]
</IfModule>
# END WordPress
`;

const WITH_REWRITE: Case[] = [
  { name: 'php-fpm', allow: 'AllowOverride All', htaccess: 'php_value memory_limit 256M\n', status: 500 },
  { name: 'admin', allow: 'AllowOverride All', htaccess: 'php_admin_value memory_limit 1G\n', status: 500 },
  { name: 'none', allow: 'AllowOverride None', htaccess: 'php_value x y\nBogusDirective\n', status: 200 },
  { name: 'fileinfo-options', allow: 'AllowOverride FileInfo', htaccess: 'Options -Indexes\n', status: 500 },
  { name: 'options-ok', allow: 'AllowOverride Options', htaccess: 'Options -Indexes\n', status: 200 },
  { name: 'multiviews', allow: 'AllowOverride Options', htaccess: 'Options +MultiViews\n', status: 500 },
  {
    name: 'in-files',
    allow: 'AllowOverride FileInfo',
    htaccess: '<Files index.html>\nRequire all granted\n</Files>\n',
    status: 500,
  },
  {
    name: 'list',
    allow: 'AllowOverride None\nAllowOverrideList Redirect',
    htaccess: 'Redirect /nowhere /else\nHeader set X-A 1\n',
    status: 500,
  },
  { name: 'list-ok', allow: 'AllowOverrideList Header', htaccess: 'Header set X-A 1\n', status: 200 },
  {
    name: 'nonfatal-unknown',
    allow: 'AllowOverride All Nonfatal=Unknown',
    htaccess: 'php_value x y\nHeader set X-A 1\n',
    status: 200,
  },
  {
    name: 'nonfatal-override',
    allow: 'AllowOverride AuthConfig Nonfatal=Override',
    htaccess: 'Options -Indexes\nRequire all granted\n',
    status: 200,
  },
  { name: 'follow-only', allow: 'AllowOverride Options=FollowSymLinks', htaccess: 'Options +Indexes\n', status: 500 },
  {
    name: 'follow-ok',
    allow: 'AllowOverride Options=FollowSymLinks',
    htaccess: 'Options +FollowSymLinks\n',
    status: 200,
  },
  { name: 'include-first', allow: 'AllowOverride All', htaccess: 'php_value a b\nInclude /etc/hosts\n', status: 500 },
  {
    name: 'unreadable',
    allow: 'AllowOverride All',
    htaccess: { content: 'Require all granted\n', mode: 0 },
    status: 403,
  },
  {
    name: 'binary',
    allow: 'AllowOverride All',
    htaccess: { content: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x0a, 0x41, 0x00, 0x0a]) },
    status: 500,
  },
  { name: 'wordpress', allow: 'AllowOverride All', htaccess: WORDPRESS, status: 200 },
  { name: 'deny', allow: 'AllowOverride AuthConfig', htaccess: 'Require all denied\n', status: 403 },
  // AllowOverrideList alone leaves the override classes empty: even <IfModule> (OR_ALL) is refused.
  {
    name: 'ifmodule-list',
    allow: 'AllowOverrideList Header',
    htaccess: '<IfModule mod_headers.c>\nHeader set X-A 1\n</IfModule>\n',
    status: 500,
  },
  { name: 'directory-section', allow: 'AllowOverride All', htaccess: '<Directory /tmp>\n</Directory>\n', status: 500 },
  {
    name: 'limit-section',
    allow: 'AllowOverride FileInfo',
    htaccess: '<Limit GET>\nRequire all granted\n</Limit>\n',
    status: 500,
  },
  { name: 'illegal-option', allow: 'AllowOverride All', htaccess: 'Options Bogus\n', status: 500 },
  { name: 'mixed-options', allow: 'AllowOverride All', htaccess: 'Options +Indexes FollowSymLinks\n', status: 500 },
  { name: 'bom', allow: 'AllowOverride All', htaccess: '\uFEFFHeader set X-A 1\n', status: 500 },
  {
    name: 'nonfatal-all',
    allow: 'AllowOverride Nonfatal=All',
    htaccess: 'php_value a b\nHeader set X 1\n',
    status: 200,
  },
  { name: 'alias', allow: 'AllowOverride All', htaccess: 'Alias /x /tmp\n', status: 500 },
  { name: 'proxyfcgi-missing', allow: 'AllowOverride All', htaccess: 'ProxyFCGIBackendType GENERIC\n', status: 500 },
  { name: 'fcgid-missing', allow: 'AllowOverride All', htaccess: 'FcgidWrapper /usr/bin/php-cgi .php\n', status: 500 },
  // httpd expands ${VAR} in .htaccess too (config.c ap_build_config_sub → core.c ap_resolve_env: Defines, then its environment).
  { name: 'define-var', allow: 'AllowOverride All', htaccess: '${H14_HEADER} set X-A 1\n', status: 200 },
  { name: 'define-arg', allow: 'AllowOverride All', htaccess: 'php_value ${H14_HEADER} 1\n', status: 500 },
  // Replaced by a symlink loop once the server runs (see beforeAll).
  { name: 'symlink-loop', allow: 'AllowOverride All', htaccess: '', status: 403 },
  {
    name: 'in-ifmodule',
    allow: 'AllowOverride FileInfo',
    htaccess: '<IfModule mod_headers.c>\nOptions -Indexes\n</IfModule>\n',
    status: 500,
  },
  {
    name: 'in-if',
    allow: 'AllowOverride FileInfo',
    htaccess: '<If "true">\nOptions -Indexes\n</If>\n',
    status: 500,
  },
  // AllowOverride All leaves an earlier Options=… list in place (core.c keeps override_opts apart).
  {
    name: 'all-after-options-list',
    allow: 'AllowOverride Options=Indexes\nAllowOverride All',
    htaccess: 'Options +FollowSymLinks\n',
    status: 500,
  },
  { name: 'flag-word', allow: 'AllowOverride All', htaccess: 'RewriteEngine yes\n', status: 500 },
  { name: 'flag-empty', allow: 'AllowOverride All', htaccess: 'RewriteEngine\n', status: 500 },
  { name: 'flag-extra', allow: 'AllowOverride All', htaccess: 'RewriteEngine on please\n', status: 200 },
  { name: 'define-name', allow: 'AllowOverride All', htaccess: '${H14_PHP} memory_limit 1G\n', status: 500 },
  { name: 'order-limit', allow: 'AllowOverride FileInfo', htaccess: 'Order allow,deny\n', status: 500 },
];

const WITHOUT_REWRITE: Case[] = [
  {
    name: 'rewrite-missing',
    allow: 'AllowOverride All',
    htaccess: 'RewriteEngine On\nRewriteRule ^ - [L]\n',
    status: 500,
  },
  { name: 'wordpress', allow: 'AllowOverride All', htaccess: WORDPRESS, status: 200 },
];

const DEFINES = 'Define H14_HEADER Header\nDefine H14_PHP php_value';

const WITH_FCGID: Case[] = [
  { name: 'wrapper-fileinfo', allow: 'AllowOverride FileInfo', htaccess: 'FcgidWrapper /bin/cat .php\n', status: 200 },
  {
    name: 'wrapper-authconfig',
    allow: 'AllowOverride AuthConfig',
    htaccess: 'FcgidWrapper /bin/cat .php\n',
    status: 500,
  },
  { name: 'initial-env', allow: 'AllowOverride All', htaccess: 'FcgidInitialEnv A B\n', status: 500 },
  // The FastCgi* names mod_fcgid registers as aliases: its own req_override (ACCESS_CONF|OR_FILEINFO), not mod_fastcgi's.
  {
    name: 'alias-flag',
    allow: 'AllowOverride FileInfo',
    htaccess: 'FastCgiAccessCheckerAuthoritative Off\n',
    status: 200,
  },
  { name: 'php-value', allow: 'AllowOverride All', htaccess: 'php_flag engine off\n', status: 500 },
];

function modulesOf(extra: string[]): LoadedModule[] {
  const ids = ['core_module', 'so_module', 'http_module', 'unixd_module', 'mpm_event_module', 'log_config_module'];
  for (const m of [...APACHE_BASE_MODULES, ...extra]) ids.push(`${m}_module`);
  return ids.map((id) => ({ id, fileName: `mod_${id}.c`, path: '(test)' }));
}

function idOf(flag: '-u' | '-g'): number {
  return Number(spawnSync('id', [flag, 'www-data'], { encoding: 'utf8' }).stdout.trim());
}

/** The error log without its "[client …] " parts, as our messages leave them out. */
function logText(apache: ApacheServer): string {
  return apache.errorLog().replace(/\[client [^\]]*\] /g, '');
}

function suite(title: string, modules: string[], cases: Case[]): void {
  describe.skipIf(!haveApache)(title, () => {
    let apache: ApacheServer;
    beforeAll(async () => {
      const files: Record<string, FileSpec> = {};
      for (const c of cases) {
        files[`${c.name}/index.html`] = 'hello\n';
        files[`${c.name}/.htaccess`] = c.htaccess;
      }
      apache = await startApache({
        modules,
        files,
        config: (ctx) =>
          `${DEFINES}\n` +
          cases.map((c) => `<Directory "${ctx.docRoot}/${c.name}">\n${c.allow}\n</Directory>\n`).join(''),
      });
      if (cases.some((c) => c.name === 'symlink-loop')) {
        const d = path.join(apache.docRoot, 'symlink-loop');
        rmSync(path.join(d, '.htaccess'));
        symlinkSync('.loop', path.join(d, '.htaccess'));
        symlinkSync('.htaccess', path.join(d, '.loop'));
      }
    }, 60_000);
    afterAll(async () => {
      await apache?.stop();
    });

    for (const c of cases) {
      it(c.name, async () => {
        const before = logText(apache).length;
        const r = await apache.http(`/${c.name}/index.html`);
        expect(r.status, `Apache's status for ${c.name}`).toBe(c.status);
        const log = logText(apache).slice(before);

        const dir = path.join(apache.docRoot, c.name);
        const conf = `<Directory ${apache.docRoot}>\nAllowOverride None\n</Directory>\n<Directory ${dir}>\n${c.allow}\n</Directory>\n`;
        const tree = parseConfig({
          rootFile: '/case.conf',
          serverRoot: '/',
          source: new MemoryFileSource({ '/case.conf': conf }),
        }).directives;
        const lines = tree.flatMap((d) => d.children);
        const read = readHtaccess(dir, allowOverrideOf(lines), {
          fs: liveFileSystem(),
          modules: modulesOf(modules),
          reader: { uid: idOf('-u'), gid: idOf('-g'), groups: [] },
          defines: { H14_HEADER: 'Header', H14_PHP: 'php_value' },
        });
        const problem = read?.problems[0];
        // No problem: the file applies; its Require (the route core's access step) may still answer 403.
        const denies = read?.directives.some((d) => d.name === 'require' && d.args.join(' ') === 'all denied');
        const predicted = problem === undefined ? (denies ? 403 : 200) : problem.kind === 'unreadable' ? 403 : 500;
        expect(predicted, `our status for ${c.name} (log: ${log})`).toBe(c.status);
        expect(read?.problems.length ?? 0).toBeLessThanOrEqual(1);
        if (!problem) return;
        // Our syntax problems from the parser word the cause in our terms; the ones from invoke_cmd are Apache's words.
        if (problem.kind === 'syntax' && !problem.message.includes('perhaps misspelled') && problem.directive === '')
          expect(log).toContain(`${dir}/.htaccess: `);
        else expect(log).toContain(problem.message);
      });
    }
  });
}

suite('.htaccess parity with a real Apache (mod_rewrite and mod_headers loaded)', ['rewrite', 'headers'], WITH_REWRITE);
suite('.htaccess parity with a real Apache (no mod_rewrite)', ['headers'], WITHOUT_REWRITE);
suite('.htaccess parity with a real Apache (mod_fcgid)', ['fcgid', 'headers'], WITH_FCGID);
