// Bundles the CLI into one ES module, dist/bundle/main.mjs, whose lazily
// loaded parts (each command, the output formats, the machine's probes, the
// log catalog, chalk, ora) are chunks of their own (esbuild splitting): code
// that several parts share lies in exactly one chunk, so a class such as
// UsageError exists once and `instanceof` holds across commands, and
// `fcgi-doctor ping` reads the wiring and the client only.
//
// The catalog the commands look things up in (rules/*.yaml, docs/findings/*.md)
// is compiled here, validated, and written into the bundle as data
// (src/catalog): a broken rule or page fails the build, and no command parses
// YAML or compiles a JSON Schema. Needs tsc's dist/ (package.json `build`).
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { compileCatalog } from '../dist/catalog/compile.js';

const outdir = process.env.FCGI_DOCTOR_BUNDLE_DIR ?? 'dist/bundle';
// FCGI_DOCTOR_CATALOG_ROOT: compile another tree's rules/ and docs/ (the build's own test of a broken rule).
const catalogRoot = process.env.FCGI_DOCTOR_CATALOG_ROOT ?? process.cwd();
rmSync(outdir, { recursive: true, force: true });
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

let catalog;
try {
  catalog = compileCatalog(catalogRoot);
} catch (err) {
  console.error(`catalog: ${err.message}`);
  process.exit(1);
}

/** src/catalog/data.ts in the bundle: the compiled data (JSON.parse of a string literal parses faster than an object literal). */
const compiledCatalog = {
  name: 'compiled-catalog',
  setup(b) {
    const dataModule = resolve('src/catalog/data.ts');
    b.onLoad({ filter: /[\\/]src[\\/]catalog[\\/]data\.ts$/ }, (args) =>
      args.path === dataModule
        ? {
            contents: `const data = JSON.parse(${JSON.stringify(JSON.stringify(catalog))});\nexport function catalogData() { return data; }\n`,
            loader: 'js',
          }
        : undefined,
    );
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
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  minify: !process.env.FCGI_DOCTOR_BUNDLE_DEBUG,
  legalComments: 'none',
  logLevel: 'warning',
  // commander is CommonJS and requires Node's modules: give the ES module chunks a require().
  banner: { js: "import { createRequire as __fcgiDoctorRequire } from 'node:module'; const require = __fcgiDoctorRequire(import.meta.url);" },
  define: { 'process.env.FCGI_DOCTOR_BUNDLED_VERSION': JSON.stringify(version) },
  plugins: [compiledCatalog, lazyChildProcess],
});
