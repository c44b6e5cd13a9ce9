/**
 * What the nginx check tests share: Debian's nginx files (from the parity
 * fixture of a real Debian install) under /etc/nginx with the given
 * nginx.conf and sites, and a running nginx master with a www-data worker.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MemoryNginxSource } from '../../../src/nginx/index.js';
import type { FixtureProcess } from '../../../src/system/fixture.js';

const DEBIAN = path.join(import.meta.dirname, '../../../fixtures/nginx/parity/debian-php');

/** Debian's fastcgi.conf, fastcgi_params or snippets/fastcgi-php.conf, as shipped. */
export const debianFile = (name: string): string => readFileSync(path.join(DEBIAN, name), 'utf8');

/** /etc/nginx as Debian ships it (fastcgi.conf, fastcgi_params, the PHP snippet), with `files` added. */
export function debianNginxSource(files: Record<string, string>): MemoryNginxSource {
  return new MemoryNginxSource({
    '/etc/nginx/fastcgi.conf': debianFile('fastcgi.conf'),
    '/etc/nginx/fastcgi_params': debianFile('fastcgi_params'),
    '/etc/nginx/snippets/fastcgi-php.conf': debianFile('snippets/fastcgi-php.conf'),
    '/usr/share/nginx/modules': { dir: true },
    ...files,
  });
}

/** A running nginx master (Debian's service) and its worker as www-data. */
export const NGINX_PROCESSES: FixtureProcess[] = [
  {
    pid: 300,
    ppid: 1,
    comm: 'nginx',
    cmdline: ['nginx: master process /usr/sbin/nginx -g daemon on; master_process on;'],
  },
  { pid: 301, ppid: 300, comm: 'nginx', cmdline: ['nginx: worker process'], uid: 33, gid: 33 },
];

const CORPUS = path.join(import.meta.dirname, '../../../fixtures/routing-nginx');

export interface CorpusCase {
  /** The http block's contents, its placeholders filled with DOCROOT, the socket and 127.0.0.1:9000. */
  config: string;
  apps?: string[];
  docroot?: Record<string, string>;
}

/** A case of the routing corpus (held to a real nginx by the differential test), as these tests place it. */
export function corpusCase(name: string, docroot: string, port = 80): CorpusCase {
  const c = parseYaml(readFileSync(path.join(CORPUS, name, 'case.yaml'), 'utf8')) as CorpusCase;
  return {
    ...c,
    config: c.config
      .replaceAll('${PORT}', String(port))
      .replaceAll('${DOCROOT}', docroot)
      .replaceAll('${EXTRA}', '/srv/extra')
      .replaceAll('${SOCK}', '/run/php/php8.2-fpm.sock')
      .replaceAll('${TCP}', '127.0.0.1:9000'),
  };
}
