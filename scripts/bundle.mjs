// Bundles the CLI into one CommonJS file, dist/bundle/main.cjs, for start-up:
// module resolution of dozens of small ESM files, and the ESM loader itself,
// dominated a short command such as `ping`. Commands stay lazy inside the
// bundle (V8 compiles a function only when it first runs). tsc still emits
// dist/ for the libraries' own consumers (benchmarks, tests of built output).
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/** commander requires child_process at load for executable subcommands, which we never use: load it on first use. */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('node_modules/commander') ? { path: 'lazy-child-process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: 'dist/bundle/main.cjs',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.FCGI_DOCTOR_BUNDLED_VERSION': JSON.stringify(version) },
  plugins: [lazyChildProcess],
});
