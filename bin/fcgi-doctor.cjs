#!/usr/bin/env node
'use strict';
// Loads the bundled CLI (CommonJS: no ESM loader to start, for a fast `ping`),
// with the code V8 compiled for it at build time (see load-bundle.cjs).
const { installBundleLoader, bundleDir } = require('./load-bundle.cjs');

installBundleLoader(bundleDir);
const { main } = require(`${bundleDir}/main.cjs`);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`fcgi-doctor: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
