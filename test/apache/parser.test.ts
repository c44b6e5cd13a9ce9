import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import { parseConfig, type ParsedConfig } from '../../src/apache/parser.js';
import { findAll, walk, type Directive } from '../../src/apache/tree.js';

const HEAD = 'LoadModule mpm_event_module modules/mod_mpm_event.so\n';

function parse(
  files: Record<string, string | Buffer | { symlink: string } | { error: string }>,
  env: Record<string, string> = {},
): ParsedConfig {
  return parseConfig({ rootFile: '/srv/httpd.conf', serverRoot: '/srv', source: new MemoryFileSource(files), env });
}

function names(p: ParsedConfig, active = true): string[] {
  const out: string[] = [];
  walk(p.directives, (d) => {
    if (d.active === active) out.push(d.name);
    return true;
  });
  return out;
}

function define(p: ParsedConfig, name: string): string | undefined {
  return p.defines[name];
}

describe('parser: lines, comments, variables', () => {
  it('a comment ending in a backslash swallows the next directive', () => {
    const p = parse({ '/srv/httpd.conf': '# note \\\nDefine X\nDefine Y\n' });
    expect(define(p, 'X')).toBeUndefined();
    expect(define(p, 'Y')).toBe('');
  });
  it('expands ${VAR} from Define in read order, then env, then envvars; unknown stays with a warning', () => {
    const p = parseConfig({
      rootFile: '/srv/httpd.conf',
      serverRoot: '/srv',
      source: new MemoryFileSource({
        '/srv/httpd.conf':
          'Define A ${B}\nDefine B fromdefine\nDefine C ${B}\nDefine D ${E}\nDefine F ${G}\nDefine H ${NOPE}\n',
      }),
      env: { B: 'fromenv', E: 'env' },
      envvars: { E: 'envvars', G: 'envvars' },
    });
    expect(p.defines).toMatchObject({ A: 'fromenv', C: 'fromdefine', D: 'env', F: 'envvars', H: '${NOPE}' });
    expect(p.issues).toEqual([
      expect.objectContaining({ kind: 'undefined-variable', severity: 'warning', line: 6, text: 'NOPE' }),
    ]);
  });
  it('a variable holding spaces becomes several arguments', () => {
    const p = parse({ '/srv/httpd.conf': 'Define SP "a b"\nServerAlias ${SP}\n' });
    expect(findAll(p.directives, 'serveralias')[0]?.d.args).toEqual(['a', 'b']);
  });
  it('Define "A"B defines A as B; an unterminated quote runs to the end of line', () => {
    const p = parse({ '/srv/httpd.conf': 'Define "A"B\nDefine T "abc def\n' });
    expect(p.defines).toMatchObject({ A: 'B', T: 'abc def' });
  });
  it('directive names are case-insensitive, closing tags too', () => {
    const p = parse({ '/srv/httpd.conf': '<ifdefine !NOPE>\nDEFINE Z\n</IFDEFINE>\n' });
    expect(define(p, 'Z')).toBe('');
    expect(p.issues).toEqual([]);
  });
  it('records the last physical line of a continued directive', () => {
    const p = parse({
      '/srv/httpd.conf': 'Define A\n<VirtualHost \\\n  127.0.0.1:80 \\\n  >\nServerName x\n</VirtualHost>\n',
    });
    const v = findAll(p.directives, 'virtualhost')[0]?.d;
    expect(v).toMatchObject({ line: 4, args: ['127.0.0.1:80'], endLine: 6 });
  });
  it('flags a BOM and keeps going', () => {
    const p = parse({
      '/srv/httpd.conf': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Define X\nDefine Y\n')]),
    });
    expect(p.issues[0]).toMatchObject({ kind: 'bom', line: 1 });
    expect(define(p, 'Y')).toBe('');
  });
  it('reports a binary file without throwing', () => {
    const p = parse({ '/srv/httpd.conf': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0]) });
    expect(p.issues[0]).toMatchObject({ kind: 'syntax', line: 1 });
  });
});

describe('parser: sections', () => {
  it.each([
    ['<VirtualHost *:80>\n', 'was not closed'],
    ['</Directory>\n', '</Directory> without matching <Directory> section'],
    ['<VirtualHost *:80>\n<Directory />\n</VirtualHost>\n', 'Expected </Directory> but saw </VirtualHost>'],
    ['<Directory /var/www\n</Directory>\n', "<Directory> directive missing closing '>'"],
    ['<Location>\n</Location>\n', 'requires additional arguments'],
  ])('%j → %s', (text, message) => {
    const p = parse({ '/srv/httpd.conf': text });
    expect(p.issues.map((i) => i.message).join('\n')).toContain(message);
    expect(p.issues.every((i) => i.line !== undefined && i.file === '/srv/httpd.conf')).toBe(true);
  });
  it('accepts <Location ~ "/(.*)/adm> with an unbalanced quote', () => {
    const p = parse({ '/srv/httpd.conf': '<Location ~ "/(.*)/adm>\nRequire all denied\n</Location>\n' });
    expect(p.issues).toEqual([]);
    expect(findAll(p.directives, 'location')[0]?.d.args).toEqual(['~', '/(.*)/adm']);
  });
  it('keeps <If>/<ElseIf>/<Else> in the tree as runtime sections', () => {
    const p = parse({
      '/srv/httpd.conf':
        '<If "-f %{REQUEST_FILENAME}">\nDefine IN_IF\n</If>\n<ElseIf "true">\n</ElseIf>\n<Else>\n</Else>\n',
    });
    expect(p.issues).toEqual([]);
    const ifs = p.directives.filter((d) => d.runtime);
    expect(ifs.map((d) => d.name)).toEqual(['if', 'elseif', 'else']);
    // Define is read-time: it counts even inside <If>.
    expect(define(p, 'IN_IF')).toBe('');
  });
  it('a missing closer does not swallow the rest of the file', () => {
    const p = parse({
      '/srv/httpd.conf': '<VirtualHost *:80>\n<Directory />\n</VirtualHost>\n<VirtualHost *:81>\n</VirtualHost>\n',
    });
    expect(findAll(p.directives, 'virtualhost')).toHaveLength(2);
  });
});

describe('parser: conditionals', () => {
  const mods = 'LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so\n';
  it.each([
    ['mod_fcgid.c', true],
    ['fcgid_module', true],
    ['MOD_FCGID.C', false],
    ['!mod_fcgid.c', false],
    ['mod_fastcgi.c', false],
    ['!mod_fastcgi.c', true],
    ['mod_so.c', true],
  ])('<IfModule %s> is %s', (test, expected) => {
    const p = parse({ '/srv/httpd.conf': `${mods}<IfModule ${test}>\nDefine IN\n</IfModule>\n` });
    expect(define(p, 'IN') !== undefined).toBe(expected);
    const sec = p.directives.find((d) => d.name === 'ifmodule');
    expect(sec?.condition).toBe(expected);
    expect(sec?.children[0]?.active).toBe(expected);
  });
  it('a module loaded after <IfModule> does not count (read order)', () => {
    const p = parse({ '/srv/httpd.conf': `<IfModule fcgid_module>\nDefine IN\n</IfModule>\n${mods}` });
    expect(define(p, 'IN')).toBeUndefined();
  });
  it('keeps the false branch in the tree, inactive, with a reason, and does not follow its Include', () => {
    const p = parse({
      '/srv/httpd.conf':
        '<IfModule mod_fastcgi.c>\n  Include missing.conf\n  FastCgiServer /x -port 1\n  <IfModule foo.c>\n  </IfModule>\n</IfModule>\n',
    });
    expect(p.issues).toEqual([]);
    const fcs = p.directives[0]?.children.find((c) => c.name === 'fastcgiserver');
    expect(fcs).toMatchObject({ active: false, line: 3 });
    expect(fcs?.inactiveReason).toContain('<IfModule mod_fastcgi.c> is false');
  });
  it('evaluates IfDefine, IfFile, IfDirective, IfSection, IfVersion', () => {
    const p = parse({
      '/srv/httpd.conf': `${mods}Define D\n<IfDefine D>\nDefine A1\n</IfDefine>\n<IfFile conf/here>\nDefine A2\n</IfFile>\n<IfFile /nope>\nDefine B1\n</IfFile>\n<IfDirective FcgidIOTimeout>\nDefine A3\n</IfDirective>\n<IfDirective ProxyPass>\nDefine B2\n</IfDirective>\n<IfSection VirtualHost>\nDefine A4\n</IfSection>\n<IfVersion >= 2.4>\nDefine A5\n</IfVersion>\n`,
      '/srv/conf/here': '',
    });
    expect(Object.keys(p.defines).sort()).toEqual(['A1', 'A2', 'A3', 'A4', 'A5', 'D']);
  });
  it('a false branch only tracks its own section name (httpd soak)', () => {
    const p = parse({
      '/srv/httpd.conf': '<IfDefine NOPE>\n</Directory>\n<IfDefine X>\n</IfDefine>\n</IfDefine>\nDefine AFTER\n',
    });
    expect(p.issues).toEqual([]);
    expect(define(p, 'AFTER')).toBe('');
  });
});

describe('parser: includes', () => {
  it('sorts byte-wise, skips dotfiles for wildcards, includes directories whole, records the chain', () => {
    const p = parse({
      '/srv/httpd.conf': 'Include conf.d/*.conf\nInclude whole\n',
      '/srv/conf.d/a.conf': 'Define A\n',
      '/srv/conf.d/Z.conf': 'Define Z\n',
      '/srv/conf.d/.hidden.conf': 'Define H\n',
      '/srv/whole/.dot': '# dot\n',
      '/srv/whole/x.conf~': '# backup\n',
      '/srv/whole/sub/y': 'Define Y\n',
    });
    expect(p.files.map((f) => f.file)).toEqual([
      '/srv/httpd.conf',
      '/srv/conf.d/Z.conf',
      '/srv/conf.d/a.conf',
      '/srv/whole/.dot',
      '/srv/whole/sub/y',
      '/srv/whole/x.conf~',
    ]);
    expect(p.files[1]).toMatchObject({ line: 1, depth: 1, includedFrom: ['/srv/httpd.conf:1'] });
    expect(define(p, 'H')).toBeUndefined();
    const y = findAll(p.directives, 'define').find((x) => x.d.args[0] === 'Y');
    expect(y?.d).toMatchObject({ file: '/srv/whole/sub/y', line: 1, includedFrom: ['/srv/httpd.conf:2'] });
  });
  it('wildcards in the middle match directories only', () => {
    const p = parse({
      '/srv/httpd.conf': 'Include vhosts/*/site.conf\n',
      '/srv/vhosts/b/site.conf': '',
      '/srv/vhosts/a/site.conf': '',
      '/srv/vhosts/file': '',
    });
    expect(p.files.map((f) => f.file)).toEqual([
      '/srv/httpd.conf',
      '/srv/vhosts/a/site.conf',
      '/srv/vhosts/b/site.conf',
    ]);
  });
  it.each([
    ['Include nope/*.conf', 'Could not open directory'],
    ['Include conf.d/*.nomatch', "No matches for the wildcard '*.nomatch'"],
    ['Include missing.conf', 'Could not open configuration file /srv/missing.conf'],
  ])('%s is fatal (include-not-found)', (line, msg) => {
    const p = parse({ '/srv/httpd.conf': `${line}\n`, '/srv/conf.d/a.conf': '' });
    expect(p.issues).toEqual([
      expect.objectContaining({ kind: 'include-not-found', file: '/srv/httpd.conf', line: 1 }),
    ]);
    expect(p.issues[0]?.message).toContain(msg);
  });
  it('IncludeOptional ignores what is missing', () => {
    const p = parse({
      '/srv/httpd.conf': 'IncludeOptional nope/*.conf\nIncludeOptional missing.conf\nIncludeOptional conf.d/*.x\n',
      '/srv/conf.d/a.conf': '',
    });
    expect(p.issues).toEqual([]);
  });
  it('relative includes follow ServerRoot as it is at that point', () => {
    const p = parse({
      '/srv/httpd.conf': 'Include a.conf\nServerRoot /other\nInclude a.conf\n',
      '/srv/a.conf': 'Define FIRST\n',
      '/other/a.conf': 'Define SECOND\n',
    });
    expect(Object.keys(p.defines).sort()).toEqual(['FIRST', 'SECOND']);
  });
  it('stops an include cycle with a clear error', () => {
    const p = parse({
      '/srv/httpd.conf': 'Include a.conf\n',
      '/srv/a.conf': 'Include b.conf\n',
      '/srv/b.conf': 'Include a.conf\n',
    });
    expect(p.issues).toEqual([
      expect.objectContaining({
        kind: 'syntax',
        file: '/srv/b.conf',
        line: 1,
        includedFrom: ['/srv/httpd.conf:1', '/srv/a.conf:1'],
      }),
    ]);
    expect(p.issues[0]?.message).toContain('includes itself');
  });
  it('a symlink loop in an included directory is fatal, as for httpd: Too many levels of symbolic links', () => {
    const p = parse({
      '/srv/httpd.conf': 'Include conf.d\n',
      '/srv/conf.d/x.conf': '',
      '/srv/conf.d/up': { symlink: '..' },
      '/srv/conf.d/self': { symlink: '.' },
    });
    expect(p.issues).toEqual([
      expect.objectContaining({ kind: 'include-not-found', file: '/srv/httpd.conf', line: 1 }),
    ]);
    expect(p.issues[0]?.message).toBe(
      `Include conf.d: Could not open configuration file /srv/conf.d${'/self'.repeat(41)}: Too many levels of symbolic links`,
    );
  });
  it('reports an unreadable included file at the Include line', () => {
    const p = parse({ '/srv/httpd.conf': 'Define A\nInclude secret.conf\n', '/srv/secret.conf': { error: 'EACCES' } });
    expect(p.issues).toEqual([expect.objectContaining({ kind: 'unreadable', file: '/srv/httpd.conf', line: 2 })]);
    expect(p.issues[0]?.message).toContain('Permission denied');
  });
  it('a missing root file is an issue, not a crash', () => {
    const p = parse({});
    expect(p.issues[0]).toMatchObject({ kind: 'include-not-found', file: '/srv/httpd.conf' });
  });
  it('limits deep include chains', () => {
    const files: Record<string, string> = { '/srv/httpd.conf': 'Include f0.conf\n' };
    for (let i = 0; i < 200; i++) files[`/srv/f${i}.conf`] = `Include f${i + 1}.conf\n`;
    files['/srv/f200.conf'] = '';
    const p = parse(files);
    expect(p.issues.some((i) => /maximum include depth of 128/.test(i.message))).toBe(true);
  });
});

describe('parser: macros', () => {
  it('expands Use with the pseudo-file name and longest-parameter-first substitution', () => {
    const p = parse({
      '/srv/httpd.conf':
        '<Macro VHost $host $hostname>\n<VirtualHost *:80>\nServerName $hostname\nServerAlias $host\n</VirtualHost>\n</Macro>\nUse VHost a.example b.example\n',
    });
    expect(p.issues).toEqual([]);
    const v = findAll(p.directives, 'virtualhost');
    expect(v).toHaveLength(1);
    const sn = findAll(p.directives, 'servername')[0]?.d as Directive;
    expect(sn.args).toEqual(['b.example']);
    expect(sn).toMatchObject({ file: '/srv/httpd.conf', line: 3, includedFrom: ['/srv/httpd.conf:7'] });
    expect(sn.macro).toBe(
      'macro \'vhost\' (defined on line 1 of "/srv/httpd.conf") used on line 7 of "/srv/httpd.conf"',
    );
  });
  it('reports wrong arity, unknown and recursive macros', () => {
    const p = parse({ '/srv/httpd.conf': '<Macro M $a>\nUse M $a\n</Macro>\nUse M 1 2\nUse Nope\nUse M x\n' });
    const msgs = p.issues.map((i) => i.message);
    expect(msgs).toContain('macro \'m\' (defined on line 1 of "/srv/httpd.conf") used with 2 arguments instead of 1');
    expect(msgs).toContain("macro 'Nope' undefined");
    expect(msgs.some((m) => m.includes('used recursively'))).toBe(true);
  });
  it('a macro body is not live where it is defined', () => {
    const p = parse({ '/srv/httpd.conf': '<Macro M $a>\nDefine $a\n</Macro>\n' });
    expect(p.defines).toEqual({});
    expect(names(p, false)).toEqual(['define']);
  });
});

describe('parser: modules', () => {
  it('collects LoadModule with file names for <IfModule>, plus the static ones', () => {
    const p = parse({
      '/srv/httpd.conf': `${HEAD}LoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so\n`,
    });
    expect(p.modules.map((m) => [m.id, m.fileName])).toContainEqual(['proxy_fcgi_module', 'mod_proxy_fcgi.c']);
    expect(p.modules.map((m) => m.id)).toContain('unixd_module');
    expect(p.modules.find((m) => m.id === 'mpm_event_module')).toMatchObject({
      fileName: 'event.c',
      path: '/srv/modules/mod_mpm_event.so',
      line: 1,
    });
  });
});
