/**
 * Every test run gets a temporary directory of its own, and every test file a
 * directory inside it (TMPDIR, which os.tmpdir() reads, is set before the file
 * is loaded). A file that leaves an fcgi-* entry behind fails: a test that
 * does not clean up after itself is a bug, and on a shared machine its
 * leftovers pile up in /tmp. Private directories also keep the check free of
 * what other files and other runs on the same machine create meanwhile.
 *
 * This module is both the global setup (the run's directory, removed at the
 * end whatever happened) and, through perFile.ts, the per-file check.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the run's directory is, for the per-file setup and for locks shared by all files. */
export const RUN_TMP_ENV = 'FCGI_DOCTOR_TEST_TMP';

/**
 * The integration harness's server directories (test/integration/harness/tempdir.ts)
 * are removed when the worker process exits at the latest: not a leftover.
 */
const REMOVED_AT_EXIT = 'fcgi-doctor-it-';

/** The entries of `dir` that tests created and did not remove. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith('fcgi') && !name.startsWith(REMOVED_AT_EXIT))
    .sort();
}

/**
 * A directory to stand for /tmp: world-writable and sticky like it, so the
 * unprivileged users the servers and some tests drop to can reach (and make)
 * what is inside. Short names: Unix socket paths end up under it (107 bytes at most).
 */
export function makeTmpLike(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix));
  chmodSync(dir, 0o1777);
  return dir;
}

/** The system's temporary directory, as it was before any project's setup (each project of the run has its own). */
const OUTER_TMP_ENV = 'FCGI_DOCTOR_TEST_OUTER_TMP';

export default function setup(): () => void {
  const outer = (process.env[OUTER_TMP_ENV] ??= tmpdir());
  const run = makeTmpLike(outer, 'vt-');
  const saved = process.env[RUN_TMP_ENV];
  process.env[RUN_TMP_ENV] = run;
  process.env.TMPDIR = run;
  return () => {
    process.env.TMPDIR = outer;
    if (saved === undefined) delete process.env[RUN_TMP_ENV];
    else process.env[RUN_TMP_ENV] = saved;
    rmSync(run, { recursive: true, force: true });
  };
}
