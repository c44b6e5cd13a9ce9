import { describe, expect, it } from 'vitest';
import { splitLogicalLines } from '../../src/apache/lines.js';
import { splitWords } from '../../src/apache/words.js';
import { expandVars, parseEnvvars } from '../../src/apache/vars.js';

describe('logical lines (ap_cfg_getline)', () => {
  it("joins a backslash-newline with no separator and keeps the next line's indentation", () => {
    const l = splitLogicalLines('Define CONT ab\\\ncd\nDefine X ab\\\n    cd\n');
    expect(l.map((x) => x.text)).toEqual(['Define CONT abcd', 'Define X ab    cd']);
  });
  it('numbers a joined line by its last physical line', () => {
    const l = splitLogicalLines('A\n<VirtualHost \\\n  1.2.3.4:80 \\\n  >\n');
    expect(l[1]).toMatchObject({ line: 4, firstLine: 2 });
  });
  it('a backslash followed by a space does not continue', () => {
    const l = splitLogicalLines('SetEnvIf a \\ \nB c\n');
    expect(l.map((x) => x.text)).toEqual(['SetEnvIf a \\', 'B c']);
  });
  it('handles CRLF and backslash-CRLF', () => {
    const l = splitLogicalLines('A b\\\r\nc\r\nD\r\n');
    expect(l.map((x) => x.text)).toEqual(['A bc', 'D']);
  });
  it('a comment ending in a backslash swallows the next line', () => {
    const l = splitLogicalLines('#SecRule x \\\nDefine X\nDefine Y\n');
    expect(l.map((x) => x.text)).toEqual(['#SecRule x Define X', 'Define Y']);
  });
  it('does not trim a BOM (it is not whitespace for apr_isspace)', () => {
    const l = splitLogicalLines('\uFEFFDefine X\n');
    expect(l[0]?.text.charCodeAt(0)).toBe(0xfeff);
  });
});

describe('words (ap_getword_conf)', () => {
  it.each([
    ['"x\\"y"', ['x"y']],
    ['"SPLIT"tail', ['SPLIT', 'tail']],
    ['T "abc def', ['T', 'abc def']],
    ['foo"bar baz', ['foo"bar', 'baz']],
    ["'a b' c", ['a b', 'c']],
    ['a\\\\b \\.php$', ['a\\b', '\\.php$']],
    ['"" x', ['', 'x']],
    ['   ', []],
    ['"A"B', ['A', 'B']],
    ['^.*(,|;|:|<|>|">|"<|/|\\\\\\.\\.\\\\).* [NC,OR]', ['^.*(,|;|:|<|>|">|"<|/|\\\\.\\.\\).*', '[NC,OR]']],
  ])('%s', (input, words) => {
    expect(splitWords(input)).toEqual(words);
  });
});

describe('${VAR} expansion', () => {
  const lookup = (n: string) => (({ A: 'x y', B: '' }) as Record<string, string>)[n];
  it('expands before splitting and leaves unknown names verbatim', () => {
    expect(expandVars('Define W ${A} ${NOPE}', lookup)).toMatchObject({
      text: 'Define W x y ${NOPE}',
      tooLong: false,
      undefinedNames: ['NOPE'],
    });
  });
  it('does not expand names with a colon, nor bare $VAR', () => {
    expect(expandVars('${a:b} $A', lookup)).toMatchObject({ text: '${a:b} $A', undefinedNames: [] });
  });
  it('measures an expansion before building it: past the limit only the length comes back', () => {
    const huge = (n: string) => (({ H: 2 ** 40, S: 'abc' }) as Record<string, string | number>)[n];
    expect(expandVars('Define a ${H}${H}', huge, 1024)).toEqual({
      text: '',
      length: 9 + 2 ** 41,
      tooLong: true,
      undefinedNames: [],
    });
    expect(expandVars('x ${S}${S}', huge, 8)).toEqual({
      text: 'x abcabc',
      length: 8,
      tooLong: false,
      undefinedNames: [],
    });
    expect(expandVars('x ${S}${S}', huge, 7)).toMatchObject({ text: '', length: 8, tooLong: true });
  });
  it('reads Debian envvars without running it', () => {
    const v = parseEnvvars(
      'unset HOME\nif [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then\n\tSUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"\nelse\n\tSUFFIX=\nfi\nexport APACHE_RUN_USER=www-data\nexport APACHE_RUN_DIR=/var/run/apache2$SUFFIX\nexport APACHE_LOG_DIR=/var/log/apache2$SUFFIX # logs\nexport LANG="C"\n',
      '/etc/apache2-www',
    );
    expect(v).toMatchObject({
      APACHE_RUN_USER: 'www-data',
      APACHE_RUN_DIR: '/var/run/apache2-www',
      APACHE_LOG_DIR: '/var/log/apache2-www',
      LANG: 'C',
    });
  });
});
