import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The package version, read once from package.json (dist/cli → ../../package.json, src/cli likewise). */
export const TOOL_VERSION: string = (require('../../package.json') as { version: string }).version;
