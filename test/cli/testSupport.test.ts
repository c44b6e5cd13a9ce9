/**
 * The helpers the CLI tests stand on: a build that fails must fail the tests
 * (not bundle code that does not type-check), and a missing prerequisite
 * fails under CI instead of skipping.
 */
import { describe, expect, it } from 'vitest';
import { rebuild, requireForTest } from '../client/support.js';

describe('rebuild: the build the CLI tests run before using the bin', () => {
  it('a failed type check fails with its output, and nothing is bundled after it', () => {
    const calls: string[] = [];
    const run = (command: string, args: string[]) => {
      calls.push([command, ...args].join(' '));
      if (command === 'npm') {
        throw Object.assign(new Error('Command failed: npm run build --silent'), {
          stdout: "src/x.ts(1,7): error TS2322: Type 'string' is not assignable to type 'number'.\n",
          stderr: '',
        });
      }
    };
    expect(() => rebuild(run)).toThrow(/npm run build failed[\s\S]*error TS2322/);
    expect(calls).toEqual(['npm run build --silent']);
  });

  it('a build that passes runs once and returns', () => {
    const calls: string[] = [];
    rebuild((command, args) => void calls.push([command, ...args].join(' ')));
    expect(calls).toEqual(['npm run build --silent']);
  });
});

describe('requireForTest: skips only off CI', () => {
  it('true when the prerequisite is there, CI or not', () => {
    expect(requireForTest('python3', true, {})).toBe(true);
    expect(requireForTest('python3', true, { CI: 'true' })).toBe(true);
  });

  it('false (a skip) on a developer machine without it', () => {
    expect(requireForTest('python3', false, {})).toBe(false);
  });

  it('a failure under CI without it, naming what is missing', () => {
    expect(() => requireForTest('python3 (/usr/bin/python3) runs the pseudo-terminal', false, { CI: 'true' })).toThrow(
      /python3 .*failure, not a skip/,
    );
  });
});
