// Bundles the CLI into CommonJS files under dist/bundle/: main.cjs (argument
// parsing and wiring) and one file per command (ping.cjs, check.cjs…), each
// with what it needs. `fcgi-doctor ping` then reads and compiles the wiring
// and the client only, not the configuration parser or the log catalog:
// module resolution of many small ESM files, the ESM loader, and parsing one
// large bundle each cost a short command a noticeable share of its start-up.
// tsc still emits dist/ for the libraries' own consumers (benchmarks, tests).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

rmSync(process.env.FCGI_DOCTOR_BUNDLE_DIR ?? 'dist/bundle', { recursive: true, force: true });
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

/**
 * Modules loaded lazily with import(): each becomes its own bundle, required
 * on first use. The commands (src/cli/ping.ts → ping.cjs) and the output
 * formats that pull in large libraries (SARIF reads the explanation pages
 * with the YAML parser) stay out of the files a short command compiles.
 */
const lazyEntries = new Map(
  readdirSync('src/cli')
    .filter((f) => f.endsWith('.ts') && !['main.ts', 'io.ts', 'parse.ts', 'version.ts'].includes(f))
    .map((f) => [resolve('src/cli', f), f.slice(0, -3)]),
);
for (const f of ['sarif', 'github', 'nagios']) lazyEntries.set(resolve('src/report', `${f}.ts`), `report-${f}`);
// What only a live check needs: the log catalog (YAML, ajv), the probes of the machine, --http.
lazyEntries.set(resolve('src/logs/index.ts'), 'lib-logs');
lazyEntries.set(resolve('src/checks/probes/index.ts'), 'lib-probes');
lazyEntries.set(resolve('src/system/index.ts'), 'lib-system');
lazyEntries.set(resolve('src/checks/http/webRequest.ts'), 'lib-http');
// Why PHP-FPM may not read a script (the workers' user, the path's bits): only after such a failure.
lazyEntries.set(resolve('src/checks/request/scriptAccess.ts'), 'lib-script-access');

/** Libraries loaded with import() only where they are used: colour (chalk) and the spinner (ora). */
const lazyPackages = new Map([
  ['chalk', 'vendor-chalk'],
  ['ora', 'vendor-ora'],
]);
const require = createRequire(import.meta.url);
const vendorEntries = [...lazyPackages].map(([pkg, name]) => [name, require.resolve(pkg)]);

const lazyAsFiles = {
  name: 'lazy-as-files',
  setup(b) {
    b.onResolve({ filter: /^(chalk|ora)$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: `./${lazyPackages.get(args.path)}.cjs`, external: true } : undefined,
    );
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = lazyEntries.get(resolve(dirname(args.importer), args.path.replace(/\.js$/, '.ts')));
      return name ? { path: `./${name}.cjs`, external: true } : undefined;
    });
  },
};

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
  entryPoints: Object.fromEntries([['main', 'src/cli/main.ts'], ...[...lazyEntries].map(([file, name]) => [name, file]), ...vendorEntries]),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outdir: process.env.FCGI_DOCTOR_BUNDLE_DIR ?? 'dist/bundle',
  outExtension: { '.js': '.cjs' },
  // import() becomes require(): no ESM loader is started for a command.
  supported: { 'dynamic-import': false },
  minify: !process.env.FCGI_DOCTOR_BUNDLE_DEBUG,
  legalComments: 'none',
  logLevel: 'warning',
  define: {
    'process.env.FCGI_DOCTOR_BUNDLED_VERSION': JSON.stringify(version),
    // CommonJS has no import.meta: each bundle file gets its own URL instead (bundle-shims/).
    'import.meta': 'import_meta',
  },
  inject: ['scripts/bundle-shims/import-meta.js'],
  plugins: [lazyAsFiles, lazyChildProcess],
});
