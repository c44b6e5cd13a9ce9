/** A word as nginx's C code sees it where it uses it as a string (strcmp, open): up to its first NUL byte. */
export function cString(v: string): string {
  const nul = v.indexOf('\0');
  return nul === -1 ? v : v.slice(0, nul);
}
