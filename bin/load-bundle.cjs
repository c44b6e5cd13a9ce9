'use strict';
// Loads the CLI's bundle (dist/bundle/*.cjs) with V8's code cache, through
// public APIs only (vm.Script, module.createRequire): no Module internals.
//
// Why: `ping` and `status` (container health checks) spend a tenth of their
// life compiling JavaScript; measured in alternating runs on Node 20, the cache
// saves them about 8 ms (issue 13). `npm run build` records the cache for
// the files those commands read (main.cjs, chunks.cjs, …) by running them
// against a stand-in on a socket inside the checkout (scripts/code-cache.mjs).
// At run time the cache is only read. On Node 22.1+, module.enableCompileCache
// does the same for every file; the bin turns it on there.
//
// A cache that does not fit is harmless: V8 refuses one made by another V8 or
// with other flags and compiles the source as usual. V8 checks the source's
// length, not its content, so a cache older than its file is not offered.
//
// Every file of the bundle is loaded here, once, and the files require each
// other ("./chunks.cjs") through this loader: one instance of each module.
const { createRequire } = require('node:module');
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const { Script } = require('node:vm');

const CACHE_SUFFIX = '.v8cache';
const bundleDir = join(__dirname, '..', 'dist', 'bundle');

function cacheFor(file) {
  try {
    const cacheStat = statSync(file + CACHE_SUFFIX, { throwIfNoEntry: false });
    if (!cacheStat || cacheStat.mtimeMs < statSync(file).mtimeMs) return undefined;
    return readFileSync(file + CACHE_SUFFIX);
  } catch {
    return undefined;
  }
}

/**
 * A loader for the bundle in `dir`. With `record`, no cache is read and each
 * compiled script is kept so that writeCaches() can store what V8 compiled
 * for it (the build's training run, never the CLI).
 */
function bundleLoader(dir = bundleDir, { record = false } = {}) {
  const modules = new Map();
  const scripts = new Map();
  function load(file) {
    const known = modules.get(file);
    if (known) return known.exports;
    const module = { exports: {} };
    modules.set(file, module);
    const cachedData = record ? undefined : cacheFor(file);
    const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
    const script = new Script(source, { filename: file, cachedData });
    scripts.set(basename(file), {
      script,
      file,
      offered: cachedData !== undefined,
      rejected: cachedData !== undefined && script.cachedDataRejected === true,
    });
    const nodeRequire = createRequire(file);
    const requireHere = (id) =>
      id.startsWith('./') && !id.includes('/', 2) ? load(join(dir, id.slice(2))) : nodeRequire(id);
    script.runInThisContext({ displayErrors: true })(module.exports, requireHere, module, file, dir);
    return module.exports;
  }
  return {
    main: () => load(join(dir, 'main.cjs')).main,
    /** Per file loaded so far: whether a cache was offered and whether V8 refused it. */
    loaded: () => [...scripts.entries()].map(([name, s]) => ({ name, offered: s.offered, rejected: s.rejected })),
    /** Stores, beside each file loaded, the code V8 has compiled for it so far. */
    writeCaches: () => {
      for (const { script, file } of scripts.values()) writeFileSync(file + CACHE_SUFFIX, script.createCachedData());
    },
  };
}

module.exports = { bundleLoader, bundleDir, CACHE_SUFFIX };
