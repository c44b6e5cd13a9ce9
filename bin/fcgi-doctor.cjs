#!/usr/bin/env node
'use strict';
// Loads the bundled CLI: dist/bundle/main.cjs, whose commands are chunks
// required on first use (scripts/bundle.mjs), with the code V8 compiled for
// them at build time (load-bundle.cjs).
// Node opens its inspector (127.0.0.1:9229, code execution for any local user
// who connects) on SIGUSR1, a signal process managers send to ask for a log
// reopen. A listener of our own, before anything else loads, leaves no window.
process.on('SIGUSR1', () => undefined);
// Node 22.1+ keeps V8's compiled code between runs (in $TMPDIR/node-compile-cache unless
// NODE_COMPILE_CACHE says otherwise; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Node 20 has
// no such API: there the build's cache (load-bundle.cjs) serves ping and status.
const { enableCompileCache } = require('node:module');
if (typeof enableCompileCache === 'function') {
  try {
    enableCompileCache();
  } catch {
    // a cache that cannot be written only costs time
  }
}

function internalError(err) {
  const message = err?.message ? err.message : String(err);
  // The message may quote input: control characters as visible escapes, as the reports do.
  // eslint-disable-next-line no-control-regex
  const safe = message.replace(
    /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  process.stderr.write(`fcgi-doctor: internal error: ${safe}\n`);
  process.exitCode = 2;
}

const { bundleLoader } = require('./load-bundle.cjs');
bundleLoader()
  .main()(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  }, internalError);
