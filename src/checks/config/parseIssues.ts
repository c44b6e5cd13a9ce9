/**
 * Problems found while reading: syntax httpd refuses (config-syntax-error),
 * Include patterns that match nothing (include-not-found), undefined ${VARS},
 * files we could not read, and safety limits hit.
 */
import type { ParseIssue } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { finding } from './make.js';

function one(i: ParseIssue): Finding {
  const evidence = i.text ? [`${i.file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.text}`] : [];
  // The file we were asked to read (no Include led to it) could not be read at all.
  if ((i.kind === 'include-not-found' || i.kind === 'unreadable') && i.line === undefined && i.includedFrom.length === 0) {
    return finding({
      id: 'config-file-unreadable',
      severity: 'error',
      title: 'The configuration file could not be read',
      message: `${i.message.replace(/^Could not (open|read) configuration file /, 'Could not $1 ')}. Nothing was analysed.`,
      at: i,
      evidence: [],
      fix: 'Check the path (or pass the server configuration with --root FILE), and that you may read it (sudo).',
    });
  }
  switch (i.kind) {
    case 'include-not-found':
      return finding({
        id: 'include-not-found',
        severity: 'error',
        title: 'An Include matches no file',
        message: `Apache stops at startup: ${i.message}. Include (unlike IncludeOptional) must find what it names.`,
        at: i,
        evidence,
        fix: 'Correct the path or the pattern, create the missing file, or use IncludeOptional if the file may legitimately be absent.',
      });
    case 'undefined-variable':
      return finding({
        id: 'config-variable-undefined',
        severity: 'warning',
        title: `\${${i.text ?? ''}} is not defined`,
        message: i.message,
        at: i,
        evidence: [],
        fix: `Define it before this line (Define ${i.text ?? 'NAME'} value) or export it in the environment Apache starts with (Debian: /etc/apache2/envvars).`,
      });
    case 'unreadable':
      return finding({
        id: 'config-file-unreadable',
        severity: 'warning',
        title: 'A configuration file could not be read',
        message: `${i.message}. Its contents were not analysed, so this report may miss problems in it.`,
        at: i,
        evidence,
        fix: 'Run fcgi-doctor with rights to read the whole configuration (sudo), or fix the file permissions if Apache cannot read it either.',
      });
    case 'limit':
      return finding({
        id: 'config-analysis-limit',
        severity: 'warning',
        title: 'Analysis stopped at a safety limit',
        message: i.message,
        at: i,
        evidence,
        fix: 'Look for a runaway Include pattern or directory, or a macro expanding without end.',
      });
    case 'bom':
      return finding({
        id: 'config-syntax-error',
        severity: 'error',
        title: 'The file starts with a byte order mark',
        message: `${i.message} Apache refuses to start ("Invalid command '\\xef\\xbb\\xbf…'").`,
        at: i,
        evidence,
        fix: 'Save the file as UTF-8 without BOM (for example: sed -i \'1s/^\\xEF\\xBB\\xBF//\' FILE).',
      });
    default:
      return finding({
        id: 'config-syntax-error',
        severity: i.severity,
        title: i.severity === 'error' ? 'Apache would refuse this configuration' : 'Apache warns about this configuration',
        message: i.severity === 'error' ? `Apache stops at startup with: ${i.message}` : `Apache warns: ${i.message}`,
        at: i,
        evidence,
        fix: 'Correct the line as the message says, then run apache2ctl configtest (apachectl -t).',
      });
  }
}

export const parseIssuesCheck: ConfigCheck = {
  ids: ['config-syntax-error', 'include-not-found', 'config-variable-undefined', 'config-file-unreadable', 'config-analysis-limit'],
  run(ctx) {
    return ctx.model.issues.map(one);
  },
};
