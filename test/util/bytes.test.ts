import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/util/bytes.js';

describe('formatBytes: one way to write a size', () => {
  it('bytes below 1 KiB, then KiB, MiB and GiB with one decimal when it says something', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(1023)).toBe('1023 bytes');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(33590)).toBe('32.8 KiB');
    expect(formatBytes(8 * 1024 * 1024)).toBe('8 MiB');
    expect(formatBytes(200 * 1024 * 1024 - 1)).toBe('200 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
  });
});
