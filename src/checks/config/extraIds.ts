/**
 * Finding ids this folder adds to the contract's list. What each means and
 * what to do is its page in docs/findings/ (`fcgi-doctor explain ID`); a test
 * checks every id here, and every id a check declares, has one.
 */
export const CONFIG_EXTRA_IDS: readonly string[] = [
  'authorization-not-passed',
  'handler-matches-inner-extension',
  'socket-in-private-tmp',
  'config-variable-undefined',
  'proxy-routes-static-files',
  'config-file-unreadable',
  'config-analysis-limit',
  'fastcgi-setup-skipped',
];
