#!/usr/bin/env node
// Loads the built CLI. Kept tiny so `ping` starts fast: main.js imports each
// command lazily.
import { main } from '../dist/bundle/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`fcgi-doctor: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
