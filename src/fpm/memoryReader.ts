/** An FpmFileReader over a map of path → text, for tests and for callers that already hold the files. */
import type { FpmFileReader } from './types.js';

/** `files`: path → content; a value of `{ error, code }` stands for a file that cannot be read. */
export function memoryFpmFileReader(
  files: Readonly<Record<string, string | { error: string; code?: string }>>,
): FpmFileReader {
  const paths = Object.keys(files);
  const isDir = (p: string) => {
    const prefix = p.endsWith('/') ? p : `${p}/`;
    return paths.some((f) => f.startsWith(prefix));
  };
  return {
    readText(path, maxBytes) {
      const f = files[path];
      if (f === undefined)
        return isDir(path)
          ? { error: 'Is a directory', code: 'EISDIR' }
          : { error: 'No such file or directory', code: 'ENOENT' };
      if (typeof f !== 'string') return f;
      const bytes = Buffer.from(f, 'utf8');
      return { text: bytes.subarray(0, maxBytes).toString('utf8'), truncated: bytes.length > maxBytes };
    },
    listDir(path) {
      if (!isDir(path)) return { error: 'No such file or directory', code: 'ENOENT' };
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const names = new Set(
        paths.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] ?? ''),
      );
      return [...names].filter((n) => n !== '').sort();
    },
    isDirectory: isDir,
    exists: (path) => files[path] !== undefined || isDir(path),
  };
}
