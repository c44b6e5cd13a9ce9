#!/usr/bin/env node
'use strict';
// Loads the bundled CLI (CommonJS: no ESM loader to start, for a fast `ping`),
// with the code V8 compiled for it at build time (see load-bundle.cjs).
// Node opens its inspector (127.0.0.1:9229, code execution for any local user
// who connects) on SIGUSR1, a signal process managers send to ask for a log
// reopen. A listener of our own, before anything else loads, leaves no window.
process.on('SIGUSR1', () => undefined);
const { installBundleLoader, bundleDir } = require('./load-bundle.cjs');

installBundleLoader(bundleDir);
const { main } = require(`${bundleDir}/main.cjs`);

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    const message = err?.message ? err.message : String(err);
    // The message may quote input: control characters as visible escapes, as the reports do.
    // eslint-disable-next-line no-control-regex
    const safe = message.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    process.stderr.write(`fcgi-doctor: internal error: ${safe}\n`);
    process.exitCode = 2;
  },
);
