// Bundles the CLI into dist/bundle/ with one chunk per command, so that
// `fcgi-doctor ping` loads a few files instead of dozens (module resolution
// dominates a short command's start-up). tsc still emits dist/ for the
// libraries' own consumers (benchmarks, tests of the built output).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: 'dist/bundle',
  minify: true,
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
  // commander is CommonJS: give its require() calls a real require.
  banner: { js: "import { createRequire as __fcgiDoctorRequire } from 'node:module'; const require = __fcgiDoctorRequire(import.meta.url);" },
});
