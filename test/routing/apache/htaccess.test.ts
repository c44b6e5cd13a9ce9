import { describe, expect, it } from 'vitest';
import type { Directive, LoadedModule } from '../../../src/apache/index.js';
import { allowOverrideOf, MAX_HTACCESS_BYTES, readHtaccess } from '../../../src/routing/apache/htaccess.js';
import type { HtaccessContext } from '../../../src/routing/apache/seams.js';
import { fixtureSystem, type FixtureFile } from '../../../src/system/fixture.js';

function line(written: string, args: string[], lineNo = 10): Directive {
  return {
    name: written.toLowerCase(),
    written,
    args,
    raw: args.join(' '),
    file: '/etc/apache2/apache2.conf',
    line: lineNo,
    includedFrom: [],
    isSection: false,
    children: [],
    active: true,
  };
}

const allow = (...args: string[]) => allowOverrideOf([line('AllowOverride', args)]);

const BASE = [
  'core_module',
  'so_module',
  'mpm_event_module',
  'mime_module',
  'dir_module',
  'alias_module',
  'authz_core_module',
  'authn_core_module',
  'access_compat_module',
  'setenvif_module',
  'env_module',
  'proxy_module',
  'proxy_fcgi_module',
];

function mods(...extra: string[]): LoadedModule[] {
  return [...BASE, ...extra].map((id) => ({ id, fileName: `mod_${id}.c`, path: '(test)' }));
}

function ctx(
  files: Record<string, FixtureFile | string>,
  modules = mods('rewrite_module'),
  more: Partial<HtaccessContext> = {},
): HtaccessContext {
  return { fs: fixtureSystem({ files }).fs, modules, ...more };
}

const DIR = '/srv/site';
const FILE = `${DIR}/.htaccess`;
const read = (
  text: string | FixtureFile,
  a = allow('All'),
  c?: Partial<HtaccessContext> & { modules?: LoadedModule[] },
) => readHtaccess(DIR, a, ctx({ [FILE]: text }, c?.modules, c));

const WORDPRESS = `# BEGIN WordPress
<IfModule mod_rewrite.c>
RewriteEngine On
RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]
RewriteBase /
RewriteRule ^index\\.php$ - [L]
RewriteCond %{REQUEST_FILENAME} !-f
RewriteCond %{REQUEST_FILENAME} !-d
RewriteRule . /index.php [L]
</IfModule>
# END WordPress
`;

const LARAVEL = `<IfModule mod_rewrite.c>
    <IfModule mod_negotiation.c>
        Options -MultiViews -Indexes
    </IfModule>

    RewriteEngine On

    # Handle Authorization Header
    RewriteCond %{HTTP:Authorization} .
    RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]

    # Redirect Trailing Slashes If Not A Folder...
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_URI} (.+)/$
    RewriteRule ^ %1 [L,R=301]

    # Send Requests To Front Controller...
    RewriteCond %{REQUEST_FILENAME} !-d
    RewriteCond %{REQUEST_FILENAME} !-f
    RewriteRule ^ index.php [L]
</IfModule>
`;

describe('allowOverrideOf', () => {
  it('defaults to None', () => {
    const a = allowOverrideOf([]);
    expect(a.classes.size).toBe(0);
    expect(a.list.size).toBe(0);
    expect(a.from).toBeUndefined();
  });
  it('the last AllowOverride wins, All expands, Options= restricts', () => {
    const a = allowOverrideOf([line('AllowOverride', ['None'], 1), line('AllowOverride', ['All'], 2)]);
    expect([...a.classes].sort()).toEqual(['AuthConfig', 'FileInfo', 'Indexes', 'Limit', 'Options']);
    expect(a.from?.line).toBe(2);
    const b = allow('FileInfo', 'Options=Indexes,FollowSymLinks', 'Nonfatal=Unknown');
    expect([...b.classes].sort()).toEqual(['FileInfo', 'Nonfatal=Unknown', 'Options']);
    expect([...(b.options ?? [])].sort()).toEqual(['followsymlinks', 'indexes']);
  });
  it('AllowOverride All keeps an earlier Options=… list', () => {
    const a = allowOverrideOf([line('AllowOverride', ['Options=Indexes'], 1), line('AllowOverride', ['All'], 2)]);
    expect([...(a.options ?? [])]).toEqual(['indexes']);
  });
  it('AllowOverrideList merges apart from AllowOverride', () => {
    const a = allowOverrideOf([
      line('AllowOverrideList', ['Redirect', 'RewriteRule'], 1),
      line('AllowOverride', ['None'], 2),
    ]);
    expect(a.classes.size).toBe(0);
    expect([...a.list]).toEqual(['redirect', 'rewriterule']);
    // A server-only directive is discarded (core.c set_override_list, AH02304).
    expect(allowOverrideOf([line('AllowOverrideList', ['RewriteMap'])]).list.size).toBe(0);
  });
});

describe('readHtaccess: quiet for valid files', () => {
  it('no file, or AllowOverride None: nothing read', () => {
    expect(readHtaccess(DIR, allow('All'), ctx({ [`${DIR}/index.php`]: '<?php' }))).toBeUndefined();
    expect(read('php_value x 1', allow('None'))).toBeUndefined();
  });
  it("WordPress's and Laravel's files", () => {
    for (const text of [WORDPRESS, LARAVEL]) {
      const r = read(text);
      expect(r?.problems).toEqual([]);
      expect(r?.directives.some((d) => d.name === 'rewriterule')).toBe(true);
    }
  });
  it('WordPress without mod_rewrite: <IfModule> skips everything', () => {
    const r = read(WORDPRESS, allow('All'), { modules: mods() });
    expect(r?.problems).toEqual([]);
  });
  it('Require all denied under AuthConfig; Options -Indexes under Options', () => {
    expect(read('Require all denied\n', allow('AuthConfig'))?.problems).toEqual([]);
    expect(read('Options -Indexes\n', allow('Options'))?.problems).toEqual([]);
  });
  it('php_value with mod_php loaded', () => {
    const r = read('php_value memory_limit 256M\nphp_flag display_errors off\n', allow('Options'), {
      modules: mods('php_module'),
    });
    expect(r?.problems).toEqual([]);
    expect(r?.directives.map((d) => d.written)).toEqual(['php_value', 'php_flag']);
  });
  it('a directive unknown to us is never reported', () => {
    expect(read('SomeThirdPartyDirective on\n')?.problems).toEqual([]);
  });
});

describe('readHtaccess: each problem', () => {
  it('unknown: php_value under PHP-FPM', () => {
    const r = read('# PHP\nphp_value memory_limit 256M\nphp_flag x on\n');
    expect(r?.problems).toEqual([
      {
        file: FILE,
        line: 2,
        directive: 'php_value',
        kind: 'unknown',
        text: 'memory_limit 256M',
        message: `${FILE}: Invalid command 'php_value', perhaps misspelled or defined by a module not included in the server configuration`,
      },
    ]);
    expect(r?.directives).toEqual([]);
  });
  it('unknown: RewriteRule without mod_rewrite', () => {
    const r = read('RewriteEngine On\nRewriteRule ^ index.php\n', allow('All'), { modules: mods() });
    expect(r?.problems[0]).toMatchObject({ line: 1, directive: 'RewriteEngine', kind: 'unknown' });
  });
  it('Nonfatal=Unknown makes it a warning', () => {
    expect(read('php_value a b\n', allow('All', 'Nonfatal=Unknown'))?.problems).toEqual([]);
  });
  it('not-allowed: Options under FileInfo names the AllowOverride line', () => {
    const r = read('AddHandler x .y\nOptions +ExecCGI\n', allow('FileInfo'));
    expect(r?.problems).toEqual([
      {
        file: FILE,
        line: 2,
        directive: 'Options',
        kind: 'not-allowed',
        allowOverride: { file: '/etc/apache2/apache2.conf', line: 10, text: 'AllowOverride FileInfo' },
        message: `${FILE}: Options not allowed here`,
        text: '+ExecCGI',
      },
    ]);
  });
  it('not-allowed inside a section says which', () => {
    const r = read('<Files x.php>\nRequire all denied\n</Files>\n', allow('FileInfo'));
    expect(r?.problems[0]?.message).toBe(`${FILE}: Require not allowed in <Files> context`);
  });
  it('php_admin_value is never allowed, even with mod_php', () => {
    const r = read('php_admin_value x 1\n', allow('All'), { modules: mods('php_module') });
    expect(r?.problems[0]).toMatchObject({ kind: 'not-allowed', message: `${FILE}: php_admin_value not allowed here` });
  });
  it('Alias is not allowed; Redirect is FileInfo', () => {
    expect(read('Alias /x /y\n')?.problems[0]?.message).toBe(`${FILE}: Alias not allowed here`);
    expect(read('Redirect /a /b\n', allow('FileInfo'))?.problems).toEqual([]);
  });
  it('AllowOverrideList allows by name; Nonfatal=Override makes the rest warnings', () => {
    const a = allowOverrideOf([line('AllowOverrideList', ['Redirect'])]);
    expect(read('Redirect /a /b\n', a)?.problems).toEqual([]);
    expect(read('Redirect /a /b\nRewriteEngine on\n', a)?.problems[0]).toMatchObject({ line: 2, kind: 'not-allowed' });
    expect(read('RewriteEngine on\n', allow('Nonfatal=Override'))?.problems).toEqual([]);
  });
  it('Options=FollowSymLinks refuses other options', () => {
    const r = read('Options +FollowSymLinks\nOptions +Indexes\n', allow('Options=FollowSymLinks'));
    expect(r?.problems[0]).toMatchObject({ line: 2, message: `${FILE}: Option Indexes not allowed here` });
    // AllowOverride Options alone is OPT_ALL: no MultiViews.
    expect(read('Options +MultiViews\n', allow('Options'))?.problems[0]?.message).toBe(
      `${FILE}: Option MultiViews not allowed here`,
    );
    expect(read('Options +MultiViews\n', allow('All'))?.problems).toEqual([]);
  });
  it('a malformed Options line is a syntax problem', () => {
    expect(read('Options Bogus\n')?.problems[0]).toMatchObject({
      kind: 'syntax',
      message: `${FILE}: Illegal option Bogus`,
    });
    expect(read('Options +Indexes FollowSymLinks\n')?.problems[0]?.message).toBe(
      `${FILE}: Either all Options must start with + or -, or no Option may.`,
    );
  });
  it('stops at the first error', () => {
    const r = read('php_value a b\nOptions Bogus\nRewriteEngine on\n', allow('FileInfo'));
    expect(r?.problems).toHaveLength(1);
    expect(r?.problems[0]?.line).toBe(1);
  });
  it('build-time errors come before run-time ones', () => {
    const r = read('php_value a b\nInclude /etc/passwd\n');
    expect(r?.problems[0]).toMatchObject({
      line: 2,
      directive: 'Include',
      message: `${FILE}: Include not allowed here`,
    });
  });
  it('syntax: a flag that is neither On nor Off', () => {
    expect(read('RewriteEngine yes\n')?.problems[0]).toMatchObject({
      kind: 'syntax',
      message: `${FILE}: RewriteEngine must be On or Off`,
    });
    expect(read('RewriteEngine On extra\n')?.problems).toEqual([]);
  });
  it('syntax: an unclosed section', () => {
    const r = read('<Files x\nRequire all denied\n</Files>\n');
    expect(r?.problems[0]?.kind).toBe('syntax');
  });
  it('unreadable for the user Apache runs as', () => {
    const r = read({ content: 'Require all denied', mode: 0o600, uid: 0 }, allow('All'), {
      reader: { uid: 33, gid: 33, groups: [] },
    });
    expect(r?.problems[0]).toMatchObject({
      kind: 'unreadable',
      message: `(13)Permission denied: AH00529: ${FILE} pcfg_openfile: unable to check htaccess file, ensure it is readable and that '${DIR}/' is executable`,
    });
  });
  it('a FIFO or a device is never opened', () => {
    for (const type of ['fifo', 'char'] as const) {
      const c = ctx({ [FILE]: { type } });
      const fs = {
        ...c.fs,
        readHead: () => {
          throw new Error('opened');
        },
        readText: () => {
          throw new Error('opened');
        },
      };
      const r = readHtaccess(DIR, allow('All'), { ...c, fs });
      expect(r?.problems[0]?.kind).toBe('unreadable');
      expect(r?.problems[0]?.message).toContain('AH00554');
    }
  });
  it('a symlink loop: 403 as Apache answers', () => {
    const c = ctx({
      [FILE]: { type: 'symlink', target: `${DIR}/.loop` },
      [`${DIR}/.loop`]: { type: 'symlink', target: FILE },
    });
    const r = readHtaccess(DIR, allow('All'), c);
    expect(r?.problems[0]?.message).toMatch(/^\(40\)Too many levels of symbolic links: AH00529: /);
  });
  it('never throws, whatever the bytes', () => {
    let seed = 14;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = [
      '<Files x>',
      '</Files>',
      '<IfModule',
      '>',
      'php_value',
      'Options',
      '+',
      '-',
      '${X}',
      '\\\n',
      '"',
      ' ',
      '\n',
      '\t',
      'é',
      '\uFEFF',
      'Require',
      '#',
      '<',
      '\u0000',
    ];
    for (let i = 0; i < 300; i++) {
      let text = '';
      const n = next() % 40;
      for (let k = 0; k < n; k++) text += alphabet[next() % alphabet.length];
      const a = allow(...['All', 'FileInfo', 'Options=Indexes', 'Nonfatal=Unknown'].filter(() => next() % 2 === 0));
      const r = read(text, a);
      expect((r?.problems.length ?? 0) <= 1, text).toBe(true);
    }
  });
  it('a byte order mark: the first word becomes an unknown command, as Apache logs it', () => {
    // The fixture's content is bytes as latin1: EF BB BF.
    expect(read('\u00EF\u00BB\u00BFHeader set X 1\n')?.problems[0]).toMatchObject({
      kind: 'syntax',
      line: 1,
      message: expect.stringContaining(`${FILE}: Invalid command '\\xef\\xbb\\xbfHeader', perhaps misspelled`),
    });
  });
  it('binary content', () => {
    const r = read('RewriteEngine on\n\u0000\u0001garbage');
    expect(r?.problems[0]).toMatchObject({ kind: 'syntax', line: 2 });
  });
  it('a file larger than the cap is read in part and says so', () => {
    const r = read('# x\n'.repeat(MAX_HTACCESS_BYTES / 4 + 10));
    expect(r?.problems).toEqual([]);
    expect(r?.uncertain?.[0]).toContain('only its first MiB');
  });
  it('${NAME} expands from the Defines; one left unexpanded is not judged', () => {
    const r = read('${PHPV} memory_limit 1G\n', allow('All'), { defines: { PHPV: 'php_value' } });
    expect(r?.problems[0]).toMatchObject({ directive: 'php_value', kind: 'unknown' });
    expect(read('${FROM_ENV} memory_limit 1G\n')?.problems).toEqual([]);
  });
  it('AccessFileName with several names: the first that exists', () => {
    const r = readHtaccess(
      DIR,
      allow('All'),
      ctx({ [`${DIR}/.acl`]: 'php_value a b' }, undefined, { accessFileName: '.htaccess .acl' }),
    );
    expect(r?.file).toBe(`${DIR}/.acl`);
    expect(r?.problems[0]?.kind).toBe('unknown');
  });
});
