/**
 * nginx's configuration checks over the routing corpus (fixtures/routing-nginx,
 * held to a real nginx by the routing differential): the configurations from
 * the frameworks' and Debian's documentation stay free of errors and warnings,
 * and each broken case yields the finding it reproduces.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeNginx, runNginxConfigChecks } from '../../../src/checks/nginx/index.js';
import { corpusCase, debianNginxSource } from './helpers.js';

const CORPUS = path.join(import.meta.dirname, '../../../fixtures/routing-nginx');

function findingsOf(name: string): { id: string; severity: string }[] {
  const { config } = corpusCase(name, '/srv/www', 8080);
  const src = debianNginxSource({ '/etc/nginx/nginx.conf': `user www-data;\nevents {}\nhttp {\n${config}\n}\n` });
  const a = analyzeNginx({ root: '/etc/nginx/nginx.conf', source: src });
  if (!a) throw new Error('no configuration');
  const { findings, internalErrors } = runNginxConfigChecks(a);
  expect(internalErrors).toEqual([]);
  // What the reader cannot settle without the real files (a certificate, a log) is not this test's business.
  return findings.filter((f) => f.id !== 'nginx-config-error');
}

const serious = (name: string) =>
  findingsOf(name)
    .filter((f) => f.severity !== 'info')
    .map((f) => f.id);

describe('the documented configurations stay free of errors and warnings', () => {
  it.each([
    'debian-default-php-snippet',
    'laravel-docs',
    'symfony-docs',
    'nextcloud-docs',
    'try-files-variants',
    'realpath-root-symlinked-release',
    'wordpress-docs',
    'upstream-and-tcp-backends',
  ])('%s', (name) => {
    expect(serious(name)).toEqual([]);
  });
});

describe('the broken cases yield what they reproduce', () => {
  it.each([
    ['fastcgi-params-without-script-filename', 'fastcgi-param-missing'],
    ['inner-fastcgi-param-drops-outer', 'fastcgi-params-dropped'],
    ['split-path-info-cve-2019-11043', 'split-path-info-unchecked'],
    ['httpoxy-and-fpm-status', 'httpoxy-not-mitigated'],
  ])('%s: %s', (name, id) => {
    expect(findingsOf(name).map((f) => f.id)).toContain(id);
  });

  it('a pool status page behind an exact location needs no SCRIPT_FILENAME', () => {
    // httpoxy-and-fpm-status: "location = /admin-status { include fastcgi_params; fastcgi_pass … }".
    const f = findingsOf('httpoxy-and-fpm-status').filter((x) => x.id === 'fastcgi-param-missing');
    expect(f).toEqual([]);
  });

  it('every case is read', () => {
    const names = readdirSync(CORPUS).filter((n) => !n.includes('.'));
    for (const n of names) expect(() => findingsOf(n), n).not.toThrow();
  });
});
