import { describe, expect, it } from 'vitest';
import { LOAD, setupsOf } from './helpers.js';

describe('mod_fcgid', () => {
  it('an fcgid-script handler with defaults, wrapper, Options and run-as user', () => {
    const conf = `${LOAD.common}${LOAD.fcgid}<VirtualHost *:80>
ServerName f.example
DocumentRoot /var/www/f
FcgidIOTimeout 120
FcgidMaxRequestLen 1048576
<Directory /var/www/f>
  Options +ExecCGI
  AddHandler fcgid-script .php
  FcgidWrapper /usr/local/bin/php-wrapper .php
</Directory>
</VirtualHost>
`;
    const [s, ...rest] = setupsOf(conf);
    expect(rest).toEqual([]);
    expect(s).toMatchObject({
      module: 'fcgid',
      mode: 'fcgid',
      loaded: true,
      endpoint: { kind: 'unix', path: '/var/lib/apache2/fcgid/sock', generated: true },
      timeouts: { io: 120, busy: 300, idle: 300, connect: 3 },
      params: { maxRequestLen: '1048576', wrapper: '/usr/local/bin/php-wrapper' },
      script: '/usr/local/bin/php-wrapper',
      options: { directory: '/var/www/f', values: ['ExecCGI', 'FollowSymLinks'] },
      runAs: { user: 'www-data', via: 'web-server' },
    });
    expect(s?.reachedBy[0]).toMatchObject({ kind: 'AddHandler', extensions: ['.php'] });
  });
  it('legacy names, FcgidIPCDir and SuexecUserGroup', () => {
    const [s] = setupsOf(
      `${LOAD.fcgid}FcgidIPCDir /run/fcgid\nIPCCommTimeout 90\n<VirtualHost *:80>\nSuexecUserGroup alice staff\n<Location /app>\nSetHandler fcgid-script\n</Location>\n</VirtualHost>\n`,
    );
    expect(s).toMatchObject({
      endpoint: { path: '/run/fcgid' },
      timeouts: { io: 90 },
      runAs: { user: 'alice', group: 'staff', via: 'suexec' },
    });
    expect(s?.reachedBy[0]).toMatchObject({ kind: 'SetHandler', urlPath: '/app' });
  });
  it('a handler that names no file has no script: none is made up, the Options of its directory are still known (issue 12 item 8)', () => {
    const [s] = setupsOf(
      `${LOAD.fcgid}<Directory /srv/cgi>\nOptions +ExecCGI\nSetHandler fcgid-script\n</Directory>\n`,
    );
    expect(s?.script).toBeUndefined();
    expect(s?.options).toMatchObject({ directory: '/srv/cgi', values: ['ExecCGI', 'FollowSymLinks'] });
    const [named] = setupsOf(
      `${LOAD.fcgid}<Directory /srv/cgi>\nOptions +ExecCGI\n<Files app.fcgi>\nSetHandler fcgid-script\n</Files>\n</Directory>\n`,
    );
    expect(named?.script).toBe('/srv/cgi/app.fcgi');
  });
  it('not loaded: still a setup, loaded=false', () => {
    expect(setupsOf('AddHandler fcgid-script .fcgi\n')[0]).toMatchObject({ loaded: false, active: true });
  });
});
