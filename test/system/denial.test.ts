import { describe, expect, it } from 'vitest';
import { chmodFix, classText, denialText, missingBitsText } from '../../src/system/denial.js';

const denial = {
  who: 'www-data',
  path: '/run/php/fpm.sock',
  object: 'the socket',
  missing: ['w'] as const,
  cls: 'other' as const,
  modeText: 'srw-rw----',
  owner: 'root',
  group: 'root',
};

describe('denial: one explanation of a permission refusal', () => {
  it('names the bits, the object, its mode and owner, and which class of bits applies', () => {
    expect(denialText({ ...denial, missing: ['w'] })).toBe(
      'lacks write (w) permission on the socket (srw-rw---- root:root); the "other" bits apply (www-data is neither its owner root nor in its group root)',
    );
  });
  it('says why the owner or the group bits apply', () => {
    expect(classText({ ...denial, cls: 'owner' })).toBe('the owner bits apply (www-data owns it)');
    expect(classText({ ...denial, cls: 'group', group: 'sites' })).toBe(
      'the group bits apply (www-data is in its group sites)',
    );
  });
  it('joins several missing bits and gives the narrowest chmod', () => {
    expect(missingBitsText(['r', 'x'])).toBe('read (r) and search (x)');
    expect(chmodFix({ cls: 'group', missing: ['r', 'x'], path: '/srv/www' })).toBe('chmod g+rx /srv/www');
    expect(chmodFix({ cls: 'other', missing: ['x'], path: '/home/app' })).toBe('chmod o+x /home/app');
  });
});
