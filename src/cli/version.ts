import { readFileSync } from 'node:fs';

/**
 * The package version, from the package.json above this module: two levels up
 * from src/cli or dist/cli, one from the bundle in dist/bundle.
 */
function readVersion(): string {
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'fcgi-doctor' && pkg.version) return pkg.version;
    } catch {
      // not here: try the next level
    }
  }
  return '0.0.0';
}

export const TOOL_VERSION: string = readVersion();
