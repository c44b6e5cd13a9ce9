import { fileURLToPath } from 'node:url';

/**
 * The catalog ships beside src/ and dist/: this module lives in src/logs/ (vitest) or
 * dist/logs/ (after `tsc`), so `../../rules` is the repository's rules/ either way.
 */
export function defaultRulesDir(): string {
  return fileURLToPath(new URL('../../rules/', import.meta.url));
}
