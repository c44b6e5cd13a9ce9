import { readFileSync } from 'node:fs';

/**
 * The package version: written into the bundle at build time, else read from
 * the package.json two levels above this module (src/cli, dist/cli).
 */
function readVersion(): string {
  const bundled = process.env.FCGI_DOCTOR_BUNDLED_VERSION;
  if (bundled) return bundled;
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      name?: string;
      version?: string;
    };
    if (pkg.name === 'fcgi-doctor' && pkg.version) return pkg.version;
  } catch {
    // fall through
  }
  return '0.0.0';
}

export const TOOL_VERSION: string = readVersion();
