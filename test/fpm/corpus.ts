/**
 * The parity corpus (fixtures/php-fpm/parity/<situation>/php-fpm.conf) read by our
 * reader the way the integration test hands it to `php-fpm -t -y FILE -p DIR`:
 * a copy in a private directory that is also FPM's prefix, so every relative
 * path (include=, listen, error_log) stays inside it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkFpmConfig, type FpmAccountLookup, type FpmConfig } from '../../src/fpm/index.js';
import { nodeFpmFileReader } from '../../src/fpm/nodeReader.js';

export const CORPUS = join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', 'parity');

export function corpusSituations(): string[] {
  return readdirSync(CORPUS, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** A private copy of one situation: { dir (the prefix), conf (its php-fpm.conf) }. */
export function copySituation(name: string): { dir: string; conf: string } {
  const dir = mkdtempSync(join(process.env.TMPDIR ?? tmpdir(), 'fpm-parity-'));
  cpSync(join(CORPUS, name), dir, { recursive: true });
  // FPM opens its default error_log (PREFIX/log/php-fpm.log) when the file gave none.
  mkdirSync(join(dir, 'log'), { recursive: true });
  return { dir, conf: join(dir, 'php-fpm.conf') };
}

/** The accounts of this machine, from /etc/passwd and /etc/group. */
export function machineAccounts(): FpmAccountLookup {
  const names = (file: string) =>
    new Set(
      readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.split(':')[0] ?? '')
        .filter((n) => n !== ''),
    );
  const users = names('/etc/passwd');
  const groups = names('/etc/group');
  return { userExists: (n) => users.has(n), groupExists: (n) => groups.has(n) };
}

export function readSituation(
  dir: string,
  conf: string,
  version: number | undefined,
  accounts: FpmAccountLookup,
): FpmConfig {
  return checkFpmConfig(conf, {
    reader: nodeFpmFileReader,
    prefix: dir,
    env: { HOSTNAME: 'parity' },
    ...(version !== undefined ? { version } : {}),
    accounts,
    asRoot: process.getuid?.() === 0,
  });
}
