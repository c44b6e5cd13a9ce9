/**
 * PHP-FPM's configuration as PHP-FPM reads it: installations, php-fpm.conf and
 * pool files with file:line, and every error `php-fpm -t` would report.
 */
import { readFpmConfig, type FpmReadOptions } from './load.js';
import type { FpmConfig } from './types.js';
import { validateFpmConfig, type FpmValidateOptions } from './validate.js';

export * from './types.js';
export { readFpmConfig, fullPath, type FpmReadOptions } from './load.js';
export { validateFpmConfig, type FpmValidateOptions } from './validate.js';
export { parseListenAddress, listenKey } from './listen.js';
export { parseIniSize, parseTimeSeconds } from './directives.js';
export {
  findFpmInstallations,
  installationOfMaster,
  phpVersionOf,
  versionNumber,
  type FpmInstallation,
  type FpmMasterCommand,
} from './installations.js';
export { scanIni } from './ini.js';

/** Read and validate: the configuration with every issue FPM's `-t` would report, in reading order. */
export function checkFpmConfig(file: string, opts: FpmReadOptions & Omit<FpmValidateOptions, 'reader'>): FpmConfig {
  const config = readFpmConfig(file, opts);
  // FPM stops at the first parse error; the post-process checks would only add noise then.
  const parseFailed = config.issues.some((i) => i.severity === 'error');
  const more = parseFailed ? [] : validateFpmConfig(config, { ...opts, reader: opts.reader });
  return { ...config, issues: [...config.issues, ...more] };
}
export { nodeFpmFileReader } from './nodeReader.js';
export { memoryFpmFileReader } from './memoryReader.js';
