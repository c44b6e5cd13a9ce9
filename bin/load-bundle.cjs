'use strict';
// Loads the CLI's CommonJS bundles (dist/bundle/*.cjs) with V8's code cache.
//
// Why: a short command (`ping`, `status` in a container probe) spends a tenth
// of its life compiling JavaScript. `npm run build` records, beside each
// bundle, the code V8 compiled for it while running the usual commands
// (scripts/code-cache.mjs); loading it skips that work. Node 20 has no
// module.enableCompileCache, so this does what it does, read-only: at run
// time the cache is only read, never written.
//
// A cache that does not fit is harmless: V8 rejects one made by another V8
// version or with other flags and compiles the source as usual. V8 checks
// the source's length, not its content, so a cache older than its bundle
// (someone edited dist/ by hand) is not offered at all.
const Module = require('node:module');
const { readFileSync, statSync, writeFileSync } = require('node:fs');
const { basename, dirname, join } = require('node:path');
const { Script } = require('node:vm');

const CACHE_SUFFIX = '.v8cache';

function cacheFor(filename) {
  const cacheFile = filename + CACHE_SUFFIX;
  try {
    const cacheStat = statSync(cacheFile, { throwIfNoEntry: false });
    if (!cacheStat || cacheStat.mtimeMs < statSync(filename).mtimeMs) return undefined;
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

/**
 * Makes require() of a .cjs file in bundleDir go through the code cache.
 * With `record`, keeps each compiled script so that writeCaches() can store
 * what V8 compiled for it (the build's training run, never the CLI).
 */
function installBundleLoader(bundleDir, { record = false } = {}) {
  const loaded = new Map();
  const plain = Module._extensions['.cjs'] ?? Module._extensions['.js'];
  Module._extensions['.cjs'] = function loadCjs(module, filename) {
    if (dirname(filename) !== bundleDir) return plain(module, filename);
    const source = readFileSync(filename, 'utf8');
    const cachedData = record ? undefined : cacheFor(filename);
    const script = new Script(Module.wrap(source), { filename, cachedData });
    loaded.set(basename(filename), { script, filename, offered: cachedData !== undefined, rejected: cachedData !== undefined && script.cachedDataRejected === true });
    const wrapper = script.runInThisContext({ displayErrors: true });
    const require = Module.createRequire(filename);
    wrapper.call(module.exports, module.exports, require, module, filename, dirname(filename));
  };
  return {
    /** Per bundle loaded so far: whether a cache was offered and whether V8 refused it. */
    loaded: () => [...loaded.entries()].map(([name, l]) => ({ name, offered: l.offered, rejected: l.rejected })),
    /** Stores, beside each bundle loaded, the code V8 has compiled for it so far. */
    writeCaches: () => {
      for (const { script, filename } of loaded.values()) writeFileSync(filename + CACHE_SUFFIX, script.createCachedData());
    },
  };
}

module.exports = { installBundleLoader, CACHE_SUFFIX, bundleDir: join(__dirname, '..', 'dist', 'bundle') };
