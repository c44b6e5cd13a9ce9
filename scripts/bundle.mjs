// Bundles the CLI for the bin: dist/bundle/main.cjs and the chunks it loads on
// first use (each command, the output formats, the machine's probes, the log
// catalog, chalk, ora).
//
// Two steps. esbuild splits one ES module build into chunks, so code that
// several parts share lies in exactly one chunk: a class such as UsageError
// exists once and `instanceof` holds across commands, and no library is copied
// into several files. Then each chunk is turned into CommonJS, so the bin
// loads them with require(): Node 20's ES module loader cost `ping` and
// `status` about 10 ms more CPU than require() of the same code (measured in
// alternating runs for issue 13; bench/startup-compare.mjs for wall time).
//
// The catalog the commands look things up in (rules/*.yaml, docs/findings/*.md)
// is compiled here, validated, and written into the bundle as data
// (src/catalog): a broken rule or page fails the build, and no command parses
// YAML or compiles a JSON Schema. Needs tsc's dist/ (package.json `build`).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { build, transform } from 'esbuild';
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

const minify = !process.env.FCGI_DOCTOR_BUNDLE_DEBUG;
const split = await build({
  entryPoints: { main: 'src/cli/main.ts' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir,
  // The chunks import each other by these names; they are CommonJS files once step two is done.
  outExtension: { '.js': '.cjs' },
  chunkNames: 'chunk-[hash]',
  write: false,
  metafile: true,
  minify,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.FCGI_DOCTOR_BUNDLED_VERSION': JSON.stringify(version) },
  plugins: [compiledCatalog, lazyChildProcess],
});

// Step two: each chunk to CommonJS; import() becomes require() (no ES module loader is started).
// import.meta.url (where a module finds rules/, docs/, package.json) becomes the chunk file's URL.
const chunks = new Map();
for (const file of split.outputFiles) {
  const usesMeta = file.text.includes('import.meta');
  const cjs = await transform(file.text, {
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    supported: { 'dynamic-import': false },
    minify,
    legalComments: 'none',
    logLevel: 'warning',
    sourcefile: basename(file.path),
    define: usesMeta ? { 'import.meta.url': '__fcgiDoctorModuleUrl' } : {},
    banner: usesMeta ? "var __fcgiDoctorModuleUrl = require('node:url').pathToFileURL(__filename).href;" : '',
  });
  if (cjs.warnings.length) throw new Error(`${basename(file.path)}: ${cjs.warnings.map((w) => w.text).join('; ')}`);
  chunks.set(basename(file.path), cjs.code);
}

// Step three: the chunks that `ping` and `status` need (the short commands of health checks;
// a dozen small chunks) go into one file, chunks.cjs, as functions run on first require: a
// command then reads a handful of files, not a dozen and a half, each of which costs a lookup,
// a read and a compile of its own (measured: about 8 ms more CPU for ping and status with every
// chunk a file). The others stay files of their own, read only by the commands that need them.
// chunks.cjs runs no chunk while it loads, so its chunks and the other files may require each
// other through it.
const outputs = split.metafile.outputs;
const nameOf = (path) => basename(path);
const hot = new Set();
const addStatic = (path) => {
  if (hot.has(nameOf(path))) return;
  hot.add(nameOf(path));
  for (const i of outputs[path].imports) if (i.kind !== 'dynamic-import' && !i.external) addStatic(i.path);
};
for (const [path, out] of Object.entries(outputs)) {
  if (/src\/cli\/(main|ping|status)\.ts$/.test(out.entryPoint ?? '')) addStatic(path);
}
const small = [...chunks.keys()].filter((name) => name !== 'main.cjs' && hot.has(name));
const inRegistry = new Set(small);
const chunkRef = /require\("\.\/(chunk-[A-Z0-9]+\.cjs)"\)/g;
const viaRegistry = (code, loader) =>
  code.replace(chunkRef, (m, name) => (inRegistry.has(name) ? `${loader}(${JSON.stringify(name)})` : m));
const outside = 'require("./chunks.cjs").load';
mkdirSync(outdir, { recursive: true });
for (const [name, code] of chunks) {
  if (!inRegistry.has(name)) writeFileSync(join(outdir, name), viaRegistry(code, outside));
}
const registry = small
  .map(
    (name) =>
      `${JSON.stringify(name)}:function(exports,require,module,__filename,__dirname){${viaRegistry(chunks.get(name), 'load')}\n}`,
  )
  .join(',\n');
writeFileSync(
  join(outdir, 'chunks.cjs'),
  `'use strict';module.exports={load:load};var chunks={${registry}},loaded={};
function load(name){var m=loaded[name];if(m)return m.exports;m=loaded[name]={exports:{}};chunks[name].call(m.exports,m.exports,require,m,__filename,__dirname);return m.exports}
`,
);
