/** The seed guide's lazy vhost, as `check --offline` would see it. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeStrict as analyzeConfig } from '../strict.js';

const FIX = path.resolve(__dirname, '../../../fixtures');

describe('the seed lazy vhost', () => {
  it('standalone: options-mixed-syntax at its line (7)', () => {
    const r = analyzeConfig({ target: path.join(FIX, 'seed/lazy-vhost'), env: {} });
    const f = r.findings.find((x) => x.id === 'options-mixed-syntax');
    expect(f).toMatchObject({ severity: 'error', location: { file: path.join(FIX, 'seed/lazy-vhost'), line: 7 } });
    expect(f?.evidence[0]?.text).toContain('Options FollowSymLinks +ExecCGI');
    expect(r.model.layout).toBe('standalone');
    expect(r.model.setups).toHaveLength(1);
    // Alone, the file says nothing about which modules are loaded.
    expect(r.findings.map((x) => x.id)).not.toContain('module-not-loaded');
  });
  it('in a Debian tree as sites-available/test: not loaded, mixed Options, mod_fastcgi missing', () => {
    const target = path.join(FIX, 'debian-tree/sites-available/test');
    const r = analyzeConfig({ target, env: {} });
    expect(r.model).toMatchObject({
      layout: 'debian',
      targetLoaded: false,
      targetAnalysedAsEnabled: true,
      webUser: 'www-data',
      webGroup: 'www-data',
    });
    const byId = Object.fromEntries(r.findings.map((f) => [f.id, f]));
    expect(byId['site-not-loaded']?.message).toContain('does not end in .conf');
    expect(byId['options-mixed-syntax']?.location).toMatchObject({ file: target, line: 7 });
    expect(byId['module-not-loaded']?.location).toMatchObject({ file: target, line: 16 });
    // Static servers are started by Apache in its own /tmp: no PrivateTmp warning.
    expect(byId['socket-in-private-tmp']).toBeUndefined();
    expect(
      r.findings
        .filter((f) => f.severity === 'error')
        .every((f) => (f.location?.file && f.location.line !== undefined) || f.id === 'site-not-loaded'),
    ).toBe(true);
  });
  it('the fixed variants have no options-mixed-syntax', () => {
    for (const v of ['static-socket-vhost', 'static-port-vhost', 'external-socket-vhost', 'external-tcp-vhost']) {
      const r = analyzeConfig({ target: path.join(FIX, 'seed', v), env: {} });
      expect(
        r.findings.map((f) => f.id),
        v,
      ).not.toContain('options-mixed-syntax');
    }
  });
  it('the external-socket variant warns about /tmp', () => {
    const r = analyzeConfig({ target: path.join(FIX, 'seed/external-socket-vhost'), env: {} });
    expect(r.findings.map((f) => f.id)).toContain('socket-in-private-tmp');
  });
  it('the Debian tree: model of the whole server', () => {
    const r = analyzeConfig({ target: path.join(FIX, 'debian-tree'), env: {} });
    expect(r.model.targetLoaded).toBe(true);
    expect(r.model.vhosts.map((v) => v.serverName)).toEqual([undefined, 'app.example']);
    expect(r.model.errorLogs[0]).toMatchObject({ target: '/var/log/apache2/error.log' });
    expect(r.model.runtimeDir).toBe('/var/run/apache2');
    const proxies = r.model.setups.filter((s) => s.module === 'proxy_fcgi');
    expect(proxies.map((s) => s.endpoint)).toEqual([
      { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
      { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
      { kind: 'tcp', host: '127.0.0.1', port: 9001 },
    ]);
    expect(proxies[1]?.params).toMatchObject({ enablereuse: 'on', max: '10' });
    expect(proxies[2]?.timeouts.timeout).toBe(20);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
  it('the RHEL tree: User apache, fcgid and php-fpm setups', () => {
    const r = analyzeConfig({ root: path.join(FIX, 'rhel-tree/conf/httpd.conf'), env: {} });
    expect(r.model).toMatchObject({ layout: 'rhel', webUser: 'apache', serverRoot: path.join(FIX, 'rhel-tree') });
    expect(r.model.setups.map((s) => s.mode).sort()).toEqual(['fcgid', 'proxy']);
    const fcgid = r.model.setups.find((s) => s.mode === 'fcgid');
    expect(fcgid).toMatchObject({
      timeouts: { io: 120 },
      endpoint: { path: '/run/mod_fcgid' },
      options: { values: ['ExecCGI', 'FollowSymLinks'] },
    });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});
