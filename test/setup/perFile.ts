/**
 * Runs before each test file (vitest setupFiles): the file's own temporary
 * directory, checked for leftovers after its last afterAll. See privateTmp.ts.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll } from 'vitest';
import { leftovers, makeTmpLike, RUN_TMP_ENV } from './privateTmp.js';

const parent = process.env[RUN_TMP_ENV] ?? tmpdir();
const mine = makeTmpLike(parent, 'f-');
process.env.TMPDIR = mine;

// Registered before the file's own hooks: after-hooks run in reverse order, so this one runs last.
afterAll(() => {
  const left = leftovers(mine);
  rmSync(mine, { recursive: true, force: true });
  process.env.TMPDIR = parent;
  if (left.length) {
    throw new Error(
      `this file left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary directory (remove them in an afterAll or a finally): ${left.join(', ')}`,
    );
  }
});
