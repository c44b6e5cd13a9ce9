/**
 * configErrorsStoppingApache: the errors server-not-running may name as the
 * reason Apache is down. Held to apache2 -t in test/integration/stopsApache.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { configErrorsStoppingApache } from '../../../src/checks/config/stopsApache.js';
import { analyze, BASE, ids, PROXY } from './helpers.js';

const stopping = (conf: string) => {
  const r = analyze(conf);
  return { all: ids(r), stopping: configErrorsStoppingApache(r.model, r.findings).map((f) => f.id) };
};

describe('configuration errors that stop Apache', () => {
  it('module-not-loaded: a directive of an unloaded module stops Apache; a handler with no module behind it does not', () => {
    expect(stopping(`${BASE}FcgidIPCDir /run/fcgid\n`).stopping).toContain('module-not-loaded');
    const handler = stopping(
      `${BASE}<FilesMatch \\.php$>\nSetHandler "proxy:unix:/run/x.sock|fcgi://localhost"\n</FilesMatch>\n`,
    );
    expect(handler.all).toContain('module-not-loaded');
    expect(handler.stopping).toEqual([]);
  });

  it('proxy-url-invalid: a ProxyPass without "|fcgi://" stops Apache; the same in SetHandler or RewriteRule [P] does not', () => {
    expect(stopping(`${BASE}${PROXY}ProxyPass /a/ unix:/run/x.sock\n`).stopping).toEqual(['proxy-url-invalid']);
    const handler = stopping(`${BASE}${PROXY}<FilesMatch x>\nSetHandler "proxy:unix:/run/x.sock"\n</FilesMatch>\n`);
    expect(handler.all).toContain('proxy-url-invalid');
    expect(handler.stopping).toEqual([]);
  });

  it('a warning never stops Apache; a syntax error always does', () => {
    expect(stopping(`${BASE}${PROXY}ProxyPass /a/ fcgi://127.0.0.1/\n`).stopping).toEqual([]);
    expect(stopping(`${BASE}<VirtualHost *:80>\n`).stopping).toContain('config-syntax-error');
  });
});
