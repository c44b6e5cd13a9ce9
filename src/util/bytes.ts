/**
 * A size in the words every output of fcgi-doctor uses: "512 bytes",
 * "32.8 KiB", "8 MiB", "1.5 GiB" (binary units, one decimal when it says
 * something). One formatter for the client's limits, the log scan's
 * figures, Apache's memory bound and the status page's worker memory.
 */
const UNITS = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
] as const;

export function formatBytes(n: number): string {
  for (const [size, unit] of UNITS) if (n >= size) return `${+(n / size).toFixed(1)} ${unit}`;
  return `${n} bytes`;
}
