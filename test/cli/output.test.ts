/**
 * `--output FILE` through main(), in-process: the report lands in FILE whole,
 * standard output stays empty, a bad directory is a usage error (exit 2)
 * before the command runs, and a failed write leaves no temporary file.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { writeFileAtomically } from '../../src/cli/output.js';
import { captureIO, makeTempDir, type TempDir } from '../client/support.js';

let dir: TempDir;
beforeAll(() => {
  dir = makeTempDir('output');
});
afterAll(() => dir.remove());

describe('--output FILE', () => {
  it('writes the report to the file, the same bytes as standard output, and nothing to stdout', async () => {
    const file = dir.join('explain.json');
    const io = captureIO();
    const code = await main(['explain', 'socket-permission-denied', '--format', 'json', '--output', file], io);
    expect(code).toBe(0);
    expect(io.stdoutText).toBe('');
    const direct = captureIO();
    await main(['explain', 'socket-permission-denied', '--format', 'json'], direct);
    expect(readFileSync(file, 'utf8')).toBe(direct.stdoutText);
    expect(readdirSync(dir.path).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces an older report whole, and keeps the exit status of the command', async () => {
    const file = dir.join('rules.txt');
    writeFileSync(file, 'old report\n');
    const io = captureIO();
    expect(await main(['explain', 'no-such-id-at-all', '--output', file], io)).toBe(2);
    // A usage error writes nothing: the old report stays (its age tells a monitor the runs fail).
    expect(readFileSync(file, 'utf8')).toBe('old report\n');
    expect(await main(['rules', '--output', file], captureIO())).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/socket-permission-denied/);
  });

  it('a directory that does not exist: exit 2, a clear message, before the command runs, stdout empty', async () => {
    const io = captureIO();
    const code = await main(['rules', '--output', dir.join('missing', 'x.prom')], io);
    expect(code).toBe(2);
    expect(io.stdoutText).toBe('');
    expect(io.stderrText).toMatch(/--output .*missing\/x\.prom: the directory .*missing does not exist/);
  });

  it('a path whose directory is a file: exit 2', async () => {
    writeFileSync(dir.join('plain'), '');
    const io = captureIO();
    expect(await main(['rules', '--output', dir.join('plain', 'x.prom')], io)).toBe(2);
    expect(io.stderrText).toMatch(/--output/);
  });

  it('a write that fails (FILE is a directory) leaves no temporary file and says why', async () => {
    const target = dir.join('taken');
    mkdirSync(target);
    writeFileSync(dir.join('taken', 'inside'), 'x');
    const io = captureIO();
    expect(await main(['rules', '--output', target], io)).toBe(2);
    expect(io.stdoutText).toBe('');
    expect(io.stderrText).toMatch(/cannot write the report: it is a directory/);
    expect(readdirSync(dir.path).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(statSync(target).isDirectory()).toBe(true);
  });
});

describe('writeFileAtomically', () => {
  it('each write leaves the file whole, the old one replaced by the new one of another size', () => {
    const file = dir.join('race.prom');
    const big = (n: number) => `${`sample_${n} ${n}\n`.repeat(20_000)}# EOF\n`;
    writeFileAtomically(file, big(0));
    for (let i = 1; i < 20; i++) {
      writeFileAtomically(file, big(i));
      const seen = readFileSync(file, 'utf8');
      expect(seen.endsWith('# EOF\n')).toBe(true);
      expect(seen.length).toBe(big(i).length);
    }
  });

  it('the file is readable by others (node_exporter runs as its own user), within the umask', () => {
    const file = dir.join('mode.prom');
    writeFileAtomically(file, 'x\n');
    const mode = statSync(file).mode & 0o777;
    expect(mode & 0o044).toBe(0o644 & ~process.umask() & 0o044);
  });
});
