import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The catalog ships beside src/ and dist/: this module lives in src/logs/ (vitest),
 * dist/logs/ (after `tsc`) or is bundled into dist/bundle/main.cjs (the CLI), all two
 * levels below the package root, so `../../rules` is the package's rules/ in each.
 * The bundle is CommonJS, where import.meta is empty but __dirname is set.
 */
export function defaultRulesDir(): string {
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'rules');
}
