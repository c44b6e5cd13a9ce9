#!/usr/bin/env node
'use strict';
// Loads the bundled CLI (CommonJS: no ESM loader to start, for a fast `ping`).
const { main } = require('../dist/bundle/main.cjs');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`fcgi-doctor: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
