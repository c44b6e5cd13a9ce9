import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The catalog ships beside src/ and dist/: this module lives in src/logs/ (vitest),
 * dist/logs/ (after `tsc`) or is bundled into a chunk in dist/bundle/ (the CLI), all
 * two levels below the package root, so `../../rules` is the package's rules/ in each.
 * In the bundle, import.meta.url is the chunk file's URL.
 */
export function defaultRulesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'rules');
}
