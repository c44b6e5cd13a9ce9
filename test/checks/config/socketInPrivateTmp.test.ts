import { describe, expect, it } from 'vitest';
import { analyze, BASE, FASTCGI, PROXY } from './helpers.js';

describe('socket-in-private-tmp from the configuration alone (check --offline): one finding per socket', () => {
  it('three lines naming one socket, one naming another: two findings, each with its lines as evidence', () => {
    const r = analyze(
      `${BASE}${PROXY}<VirtualHost *:80>\nServerName a\nProxyPass /a/ unix:/tmp/app.sock|fcgi://localhost/\n</VirtualHost>\n` +
        `<VirtualHost *:80>\nServerName b\nProxyPass /b/ unix:/tmp/app.sock|fcgi://localhost/\n` +
        `<FilesMatch \\.php$>\nSetHandler "proxy:unix:/tmp/app.sock|fcgi://localhost"\n</FilesMatch>\n</VirtualHost>\n` +
        `ProxyPass /c/ unix:/var/tmp/other.sock|fcgi://localhost/\n`,
    );
    const found = r.findings.filter((f) => f.id === 'socket-in-private-tmp');
    expect(found.map((f) => f.title)).toEqual([
      'The socket /tmp/app.sock is under /tmp',
      'The socket /var/tmp/other.sock is under /var/tmp',
    ]);
    const app = found[0]!;
    expect(app.evidence.map((e) => e.text)).toEqual([
      expect.stringContaining('ProxyPass /a/'),
      expect.stringContaining('ProxyPass /b/'),
      expect.stringContaining('SetHandler'),
    ]);
    expect(app.message).toContain('3 lines in all');
    expect(app.message).toContain('--offline');
    expect(found[1]!.evidence).toHaveLength(1);
  });

  it('stays quiet for a socket Apache makes itself, or one under /run', () => {
    const r = analyze(
      `${BASE}${FASTCGI}${PROXY}FastCgiServer /var/www/app.py -socket /tmp/fcgi.sock\nProxyPass /a/ unix:/run/app.sock|fcgi://localhost/\n`,
    );
    expect(r.findings.map((f) => f.id)).not.toContain('socket-in-private-tmp');
  });
});
