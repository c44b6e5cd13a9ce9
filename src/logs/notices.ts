import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { NotALogFile } from './reader.js';

/**
 * Something the user should know about a log that is not a finding about FastCGI: the
 * log could not be read (fully), or ('elsewhere') a log that is not a file here — PHP-FPM's
 * error_log sent to syslog or to its master's standard error, workers' stderr discarded —
 * and where to read it instead. Never silent, never a crash.
 */
export interface LogNotice {
  source: string;
  code: 'unreadable' | 'missing' | 'not-a-file' | 'read-error' | 'long-lines' | 'deadline' | 'damaged' | 'elsewhere';
  message: string;
}

/** Turns the error of opening or reading a log into a notice that says what to do. */
export async function noticeForError(source: string, error: unknown): Promise<LogNotice> {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return {
      source,
      code: 'unreadable',
      message: `cannot read ${source}: permission denied. ${await accessAdvice(source)}`,
    };
  }
  if (code === 'ENOENT')
    return { source, code: 'missing', message: `${source} does not exist (check the ErrorLog / error_log path)` };
  if (code === 'EISDIR') return { source, code: 'not-a-file', message: `${source} is a directory, not a log file` };
  if (error instanceof NotALogFile) return { source, code: 'not-a-file', message: notALogFile(error) };
  const detail = error instanceof Error ? error.message : String(error);
  return {
    source,
    code: 'read-error',
    message: `reading ${source} stopped early: ${detail}; findings cover the part read so far`,
  };
}

/** Why a FIFO, a device or a standard stream is not read, and where its lines are instead. */
function notALogFile(e: NotALogFile): string {
  const pipeIn = 'pipe its lines in instead: `… | fcgi-doctor logs -`';
  if (e.kind === 'standard stream' && /(?:stdin|\/fd\/0)$/.test(e.path))
    return `${e.path} is standard input, not a log file`;
  if (e.kind === 'standard stream') {
    return `${e.path} is the standard error (or output) of the program that writes to it, not a file: its lines go wherever that program's output goes (a container's log: \`docker logs NAME 2>&1 | fcgi-doctor logs -\`; a service: \`journalctl -u NAME | fcgi-doctor logs -\`)`;
  }
  if (e.path === '/dev/null')
    return `${e.path} throws every line away: nothing was logged to read (point ErrorLog at a file to keep the errors)`;
  if (e.kind === 'named pipe (FIFO)') {
    return `${e.path} is a named pipe (FIFO), not a log file: reading it would wait for a writer and take its lines from the program that reads it, so it was not opened; read the log where that program stores it, or ${pipeIn}`;
  }
  return `${e.path} is a ${e.kind}, not a log file: fcgi-doctor never opens devices or sockets as logs; ${pipeIn}`;
}

async function accessAdvice(path: string): Promise<string> {
  const group = await owningGroup(path);
  const member = group ? `membership of the group "${group}" that owns it` : 'membership of its group';
  const debian = group === 'adm' ? ' (Debian/Ubuntu: `sudo usermod -aG adm $USER`, then log in again)' : '';
  return `Run fcgi-doctor with sudo, or give your user ${member}${debian}.`;
}

async function owningGroup(path: string): Promise<string | undefined> {
  try {
    const { gid } = await stat(path);
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && Number(id) === gid) return name;
    }
  } catch {
    // No stat (the directory itself is closed) or no /etc/group: give the general advice.
  }
  return undefined;
}
