/**
 * Our reader of PHP-FPM's configuration against the real `php-fpm -t`: every
 * configuration of the parity corpus that FPM rejects gives at least one error
 * from us, at the file and line FPM names when it names one; every one FPM
 * accepts gives none.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findFpmInstallations, phpVersionOf, versionNumber } from '../../src/fpm/index.js';
import { nodeFpmFileReader } from '../../src/fpm/nodeReader.js';
import { copySituation, corpusSituations, machineAccounts, readSituation } from '../fpm/corpus.js';
import { BINARIES, hasBinary } from './harness/requireServer.js';

const haveFpm = hasBinary(BINARIES.phpFpm);

/** The version of the installed binary: its name (php-fpm8.3), else what `-v` prints. */
function installedVersion(bin: string): number | undefined {
  const fromName = phpVersionOf(bin);
  if (fromName) return versionNumber(fromName);
  const out = spawnSync(bin, ['-v'], { encoding: 'utf8' }).stdout ?? '';
  return versionNumber(/^PHP (\d+\.\d+)/.exec(out)?.[1]);
}

/** The places FPM's errors name: "[FILE:LINE] …". */
function namedLocations(output: string): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  for (const m of output.matchAll(/(?:ERROR|ALERT): \[(\/[^\]:]+):(\d+)\]/g))
    out.push({ file: m[1] ?? '', line: Number(m[2]) });
  return out;
}

/**
 * "Unable to include X from F at line N": the files of an include chain. Its N is
 * not the include= line: FPM keeps one global line counter (fpm_conf.c: ini_lineno),
 * which the included file has moved on, so only the files are compared.
 */
function includeChains(output: string): { included: string; from: string }[] {
  return [...output.matchAll(/Unable to include (\/\S+) from (\/\S+) at line \d+/g)].map((m) => ({
    included: m[1] ?? '',
    from: m[2] ?? '',
  }));
}

describe.skipIf(!haveFpm)(`php-fpm -t parity (${BINARIES.phpFpm.path})`, () => {
  const bin = BINARIES.phpFpm.path;
  const version = haveFpm ? installedVersion(bin) : undefined;
  const accounts = machineAccounts();
  const situations = corpusSituations();

  it('finds the installed binary among the installations of this machine, with its version', () => {
    const found = findFpmInstallations(nodeFpmFileReader);
    const v = phpVersionOf(bin);
    // A Debian-style binary (php-fpm8.3) comes with /etc/php/8.3/fpm/php-fpm.conf.
    if (v && existsSync(`/etc/php/${v}/fpm/php-fpm.conf`)) {
      expect(found).toContainEqual({
        layout: 'debian',
        config: `/etc/php/${v}/fpm/php-fpm.conf`,
        prefix: '/usr',
        version: v,
      });
    }
    // Other layouts (RHEL, the Docker images) are covered on fixture text: test/fpm/installations.test.ts.
  });

  it('the corpus holds at least 25 configurations', () => {
    expect(situations.length).toBeGreaterThanOrEqual(25);
  });

  it.each(situations)('%s', (name) => {
    const { dir, conf } = copySituation(name);
    try {
      const fpm = spawnSync(bin, ['-t', '-y', conf, '-p', dir], {
        encoding: 'utf8',
        env: { ...process.env, HOSTNAME: 'parity' },
        timeout: 20_000,
      });
      const output = `${fpm.stdout ?? ''}${fpm.stderr ?? ''}`;
      const ours = readSituation(dir, conf, version, accounts).issues.filter((i) => i.severity === 'error');
      const described = `FPM (exit ${fpm.status}):\n${output}\nours:\n${ours.map((i) => `${i.file}:${i.line} ${i.message}`).join('\n')}`;
      if (fpm.status === 0) {
        expect(ours, described).toEqual([]);
        return;
      }
      expect(ours.length, described).toBeGreaterThan(0);
      for (const at of namedLocations(output)) {
        expect(
          ours.some((i) => i.file === at.file && i.line === at.line),
          `FPM names ${at.file}:${at.line}\n${described}`,
        ).toBe(true);
      }
      for (const chain of includeChains(output)) {
        expect(
          ours.some((i) => i.file === chain.included || i.file === chain.from),
          `FPM could not include ${chain.included} from ${chain.from}\n${described}`,
        ).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
