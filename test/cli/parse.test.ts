import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/io.js';
import { parseDuration, parseMode, parsePair, parseStatusList } from '../../src/cli/parse.js';

describe('argument parsing', () => {
  it('reads durations with and without units', () => {
    expect(parseDuration('5')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(() => parseDuration('soon')).toThrow(UsageError);
    expect(() => parseDuration('0')).toThrow(UsageError);
  });

  it('splits NAME=VALUE, and NAME: VALUE for headers and header expectations', () => {
    expect(parsePair('A=b=c', 'param')).toEqual(['A', 'b=c']);
    expect(parsePair('X-Test: yes', 'header')).toEqual(['X-Test', 'yes']);
    expect(parsePair('Content-Type: text/html; charset=utf-8', 'expect-header')).toEqual(['Content-Type', 'text/html; charset=utf-8']);
    expect(parsePair('Content-Type=^text/', 'expect-header')).toEqual(['Content-Type', '^text/']);
    // A parameter's value may hold a colon: only '=' separates it.
    expect(parsePair('HTTP_X=a:b', 'param')).toEqual(['HTTP_X', 'a:b']);
    expect(() => parsePair('novalue', 'param')).toThrow(UsageError);
    expect(() => parsePair('=x', 'header')).toThrow(UsageError);
  });

  it('reads status lists and socket modes', () => {
    expect(parseStatusList(['200,301', '404'])).toEqual([200, 301, 404]);
    expect(() => parseStatusList(['20'])).toThrow(UsageError);
    expect(parseMode('0660')).toBe(0o660);
    expect(parseMode('755')).toBe(0o755);
    expect(() => parseMode('0999')).toThrow(UsageError);
  });
});
