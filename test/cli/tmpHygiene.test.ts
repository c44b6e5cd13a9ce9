/**
 * The check that keeps tests from leaving files in /tmp (test/setup/): it must
 * see what a test left, and only that.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { leftovers, makeTmpLike } from '../setup/privateTmp.js';
import { makeTempDir } from '../client/support.js';

describe('the temporary-directory check of the test run', () => {
  it('each test file runs in a private directory under the run, not in /tmp itself', () => {
    expect(tmpdir()).toMatch(/\/vt-[^/]+\/f-[^/]+$/);
  });

  it('lists fcgi-* entries left behind, not the harness directories removed at exit, nor other names', () => {
    const dir = makeTempDir('hygiene');
    try {
      const inner = makeTmpLike(dir.path, 'f-');
      mkdirSync(join(inner, 'fcgi-rules-abc'));
      writeFileSync(join(inner, 'fcgi-doctor-test-x'), '');
      mkdirSync(join(inner, 'fcgi-doctor-it-php-fpm-abc'));
      mkdirSync(join(inner, 'hsperfdata_root'));
      expect(leftovers(inner)).toEqual(['fcgi-doctor-test-x', 'fcgi-rules-abc']);
    } finally {
      dir.remove();
    }
  });
});
