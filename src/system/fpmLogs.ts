/**
 * PHP-FPM's own logs where Debian and RHEL put them, found through the
 * FileSystem interface: `logs` with no file named reads them, and a fixture
 * machine tests the search.
 */
import { isProbeError, type FileSystem } from './types.js';

/** Debian: /var/log/php8.2-fpm.log; RHEL: /var/log/php-fpm/error.log and www-error.log. */
const FPM_LOG_DIRS = ['/var/log', '/var/log/php-fpm'] as const;

function isFpmLog(dir: string, name: string): boolean {
  return /^php[\d.]*-fpm\.log$/.test(name) || (dir.endsWith('php-fpm') && /^(error|www-error)\.log$/.test(name));
}

export function fpmLogFiles(fs: Pick<FileSystem, 'listDir'>): string[] {
  const found: string[] = [];
  for (const dir of FPM_LOG_DIRS) {
    const names = fs.listDir(dir);
    if (isProbeError(names)) continue;
    for (const n of names) if (isFpmLog(dir, n)) found.push(`${dir}/${n}`);
  }
  return found;
}
