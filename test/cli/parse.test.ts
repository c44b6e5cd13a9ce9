import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { MAX_TIMER_MS, parseDuration, parseMode, parsePair, parseStatusList } from '../../src/cli/parse.js';
import { captureIO } from '../client/support.js';

describe('argument parsing', () => {
  it('reads durations with and without units', () => {
    expect(parseDuration('5')).toBe(5000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(() => parseDuration('soon')).toThrow(UsageError);
    expect(() => parseDuration('0')).toThrow(UsageError);
  });

  it('refuses durations past what a Node timer can wait (2^31-1 ms), instead of firing after 1 ms', () => {
    expect(parseDuration('596h')).toBe(596 * 3_600_000);
    expect(parseDuration(`${MAX_TIMER_MS}ms`)).toBe(MAX_TIMER_MS);
    expect(() => parseDuration(`${MAX_TIMER_MS + 1}ms`, '--timeout')).toThrow(
      /--timeout .* is too long: the most this tool can wait is 596h/,
    );
    expect(() => parseDuration('700h')).toThrow(UsageError);
    expect(() => parseDuration('9'.repeat(400))).toThrow(UsageError);
    // A fraction of a millisecond is a short wait, never 0 ("at once").
    expect(parseDuration('0.1ms')).toBe(1);
  });

  it.each([
    ['ping', ['ping', '/nonexistent/x.sock', '--timeout', '700h']],
    ['ping --connect-timeout', ['ping', '/nonexistent/x.sock', '--connect-timeout', '700h']],
    ['status', ['status', '/nonexistent/x.sock', '--timeout', '700h']],
    ['status --interval', ['status', '/nonexistent/x.sock', '--interval', '700h']],
    ['logs', ['logs', '/nonexistent.log', '--timeout', '700h']],
    ['check', ['check', '/nonexistent.conf', '--timeout', '700h']],
  ])('%s: a duration Node cannot wait is a usage error (exit 2)', async (_name, argv) => {
    const io = captureIO();
    const warnings: string[] = [];
    const onWarning = (w: Error) => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      expect(await main(argv, io)).toBe(2);
    } finally {
      process.off('warning', onWarning);
    }
    expect(io.stderrText).toMatch(/700h is too long/);
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });

  it('splits NAME=VALUE, and NAME: VALUE for headers and header expectations', () => {
    expect(parsePair('A=b=c', 'param')).toEqual(['A', 'b=c']);
    expect(parsePair('X-Test: yes', 'header')).toEqual(['X-Test', 'yes']);
    expect(parsePair('Content-Type: text/html; charset=utf-8', 'expect-header')).toEqual([
      'Content-Type',
      'text/html; charset=utf-8',
    ]);
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
