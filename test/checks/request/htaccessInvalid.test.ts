import { describe, expect, it } from 'vitest';
import { htaccessFindings } from '../../../src/checks/request/htaccessInvalid.js';
import { findingEntry } from '../../../src/findings/ids.js';
import type { HtaccessProblem } from '../../../src/routing/types.js';

const FILE = '/srv/blog/.htaccess';
const unknown = (directive: string, text: string, line = 3): HtaccessProblem => ({
  file: FILE,
  line,
  directive,
  kind: 'unknown',
  text,
  message: `${FILE}: Invalid command '${directive}', perhaps misspelled or defined by a module not included in the server configuration`,
});

describe('htaccessFindings', () => {
  it('php_value under PHP-FPM: what to write in .user.ini and in the pool file', () => {
    const [f] = htaccessFindings([unknown('php_value', 'memory_limit 256M')], { vhost: 'blog.example.org' });
    expect(f).toMatchObject({
      id: 'htaccess-invalid-command',
      severity: findingEntry('htaccess-invalid-command')?.severity,
      location: { file: FILE, line: 3 },
    });
    expect(f?.message).toContain('blog.example.org');
    expect(f?.message).toContain("Invalid command 'php_value'");
    expect(f?.fix).toContain('`memory_limit = 256M` in /srv/blog/.user.ini');
    expect(f?.fix).toContain('`php_value[memory_limit] = 256M`');
    expect(f?.evidence).toEqual([{ kind: 'config', text: `${FILE}:3: php_value memory_limit 256M` }]);
  });

  it('php_flag: On/Off in .user.ini, php_flag[] in the pool', () => {
    const [f] = htaccessFindings([unknown('php_flag', 'display_errors off')]);
    expect(f?.fix).toContain('`display_errors = Off`');
    expect(f?.fix).toContain('`php_flag[display_errors] = off`');
  });

  it('a directive of a module that is not loaded: a2enmod', () => {
    const [f] = htaccessFindings([unknown('RewriteEngine', 'On', 1)]);
    expect(f?.fix).toContain('a2enmod rewrite');
  });

  it('not allowed: names the AllowOverride line and the class to add', () => {
    const [f] = htaccessFindings([
      {
        file: FILE,
        line: 2,
        directive: 'Options',
        kind: 'not-allowed',
        text: '-Indexes',
        allowOverride: { file: '/etc/apache2/sites-enabled/blog.conf', line: 7, text: 'AllowOverride FileInfo' },
        message: `${FILE}: Options not allowed here`,
      },
    ]);
    expect(f?.fix).toContain(
      '`AllowOverride FileInfo` (/etc/apache2/sites-enabled/blog.conf:7) does not allow Options',
    );
    expect(f?.evidence.map((e) => e.text)).toEqual([
      `${FILE}:2: Options -Indexes`,
      '/etc/apache2/sites-enabled/blog.conf:7: AllowOverride FileInfo',
    ]);
  });

  it('php_admin_value: the pool file, never .htaccess', () => {
    const [f] = htaccessFindings([
      {
        file: FILE,
        line: 1,
        directive: 'php_admin_value',
        kind: 'not-allowed',
        text: 'memory_limit 1G',
        message: `${FILE}: php_admin_value not allowed here`,
      },
    ]);
    expect(f?.fix).toContain('`php_admin_value[memory_limit] = 1G`');
  });

  it('unreadable: a probe, and the chmod', () => {
    const [f] = htaccessFindings([
      {
        file: FILE,
        line: 0,
        directive: '',
        kind: 'unreadable',
        message: `(13)Permission denied: AH00529: ${FILE} pcfg_openfile: …`,
      },
    ]);
    expect(f?.location).toEqual({ file: FILE });
    expect(f?.evidence[0]?.kind).toBe('probe');
    expect(f?.message).toContain('403');
    expect(f?.fix).toContain(`chmod o+r ${FILE}`);
  });

  it('one finding per file and cause, however many routes met it', () => {
    const p = unknown('php_value', 'memory_limit 256M');
    expect(htaccessFindings([p, { ...p }, unknown('php_value', 'x 1', 9)])).toHaveLength(2);
  });
});
