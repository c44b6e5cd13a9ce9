/**
 * `--output FILE`: the report goes to FILE instead of standard output, whole or
 * not at all. It is written to a temporary file in the same directory, synced
 * to disk, then renamed over FILE: rename(2) within one file system replaces
 * the name at once, so a reader (node_exporter's textfile collector, which
 * reads every *.prom file of its directory at each scrape) sees the old report
 * or the new one, never half of one. The temporary name starts with a dot and
 * ends in .tmp, which that collector does not read (node_exporter
 * collector/textfile.go: only names ending in .prom).
 *
 * This is the one file the tool ever writes, and only where told.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  accessSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { UsageError, type CliIO } from './io.js';

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  if (e.code === 'EISDIR') return 'it is a directory';
  if (e.code === 'ENOSPC') return 'no space left on the device';
  if (e.code === 'EROFS') return 'read-only file system';
  return e.message ?? String(err);
}

/** The directory must exist and take new files: checked before the command runs, so a long check is not run for nothing. */
export function checkOutputDirectory(file: string): string {
  if (file === '' || file.endsWith('/')) throw new UsageError(`--output takes a file name, not "${file}"`);
  const path = resolve(file);
  const dir = dirname(path);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw new UsageError(`--output ${file}: the directory ${dir} does not exist`);
    throw new UsageError(`--output ${file}: cannot use the directory ${dir}: ${reason(err)}`);
  }
  if (!isDir) throw new UsageError(`--output ${file}: ${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new UsageError(`--output ${file}: cannot write in ${dir}: ${reason(err)}`);
  }
  return path;
}

/** Writes text to path whole or not at all; on any failure the temporary file is removed and a UsageError says why. */
export function writeFileAtomically(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = `${dir}/.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number | undefined;
  try {
    // O_EXCL: never write through a name someone else put there first.
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    const bytes = Buffer.from(text, 'utf8');
    let done = 0;
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new UsageError(`--output ${path}: cannot write the report: ${reason(err)}`);
  }
  // The rename is in the directory: sync it too, so the new name survives a crash.
  try {
    const d = openSync(dir, constants.O_RDONLY);
    try {
      fsyncSync(d);
    } finally {
      closeSync(d);
    }
  } catch {
    // Some file systems refuse to sync a directory; the file itself is whole.
  }
}

/** Runs a command with its standard output gathered, then writes that output to the file. */
export async function runToFile(file: string, io: CliIO, run: (io: CliIO) => Promise<number>): Promise<number> {
  const path = checkOutputDirectory(file);
  const chunks: string[] = [];
  const captured: CliIO = {
    stdout: (text) => {
      chunks.push(text);
    },
    stderr: (text) => io.stderr(text),
    // A file is no terminal: no colour, no spinner on its account.
    stdoutIsTTY: false,
    get stderrIsTTY() {
      return io.stderrIsTTY;
    },
    env: io.env,
    get stdin() {
      return io.stdin;
    },
  };
  const code = await run(captured);
  writeFileAtomically(path, chunks.join(''));
  return code;
}
