/** strerror() with errno numbers, as nginx's ngx_log_errno writes them: "(2: No such file or directory)". */
const ERRNO: Record<string, [number, string]> = {
  ENOENT: [2, 'No such file or directory'],
  EIO: [5, 'Input/output error'],
  EACCES: [13, 'Permission denied'],
  ENOTDIR: [20, 'Not a directory'],
  EISDIR: [21, 'Is a directory'],
  EMFILE: [24, 'Too many open files'],
  ENAMETOOLONG: [36, 'File name too long'],
  ELOOP: [40, 'Too many levels of symbolic links'],
};

export function strerror(code: string): string {
  const e = ERRNO[code];
  return e ? `${e[0]}: ${e[1]}` : code;
}
