/**
 * The compiled catalog (rules, explanation pages) the commands look things up in.
 *
 * In the bundle the CLI runs, scripts/bundle.mjs replaces this module with the
 * data the build compiled (src/catalog/compile.ts): no YAML parsing, no schema
 * compiling at run time. Run from source (tests, tsc's dist/), it compiles the
 * package's files on first use, which is the same function the build runs.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileCatalog, type CatalogData } from './compile.js';

export type { CatalogData } from './compile.js';

let data: CatalogData | undefined;

export function catalogData(): CatalogData {
  // src/catalog/ and dist/catalog/ are both two levels below the package root.
  data ??= compileCatalog(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  return data;
}
