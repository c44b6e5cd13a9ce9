/**
 * Problems found while reading: syntax httpd refuses (config-syntax-error),
 * Include patterns that match nothing (include-not-found), undefined ${VARS},
 * files we could not read, and safety limits hit.
 */
import type { ParseIssue } from '../../apache/index.js';
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { FoldByCause } from './fold.js';
import { finding } from './make.js';

function one(i: ParseIssue): Finding {
  const evidence = i.text ? [`${i.file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.text}`] : [];
  // The file we were asked to read (no Include led to it) could not be read at all.
  if (
    (i.kind === 'include-not-found' || i.kind === 'unreadable' || i.kind === 'not-regular') &&
    i.line === undefined &&
    i.includedFrom.length === 0
  ) {
    return finding({
      id: 'config-file-unreadable',
      severity: 'error',
      title: 'The configuration file could not be read',
      message:
        i.kind === 'not-regular'
          ? `${i.text ?? i.file} is not a regular file (a device, a FIFO or a socket), so it cannot be a configuration file; it was not opened. Nothing was analysed.`
          : `${i.message.replace(/^Could not (open|read) configuration file /, 'Could not $1 ')}. Nothing was analysed.`,
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
        title: /symbolic links/.test(i.message)
          ? 'An Include leads into a symbolic link loop'
          : 'An Include matches no file',
        message: `Apache stops at startup: ${i.message}. Include (unlike IncludeOptional) must find what it names.`,
        at: i,
        evidence,
        fix:
          loopFix(i.message) ??
          'Correct the path or the pattern, create the missing file, or use IncludeOptional if the file may legitimately be absent.',
      });
    case 'out-of-memory':
      return finding({
        id: 'config-syntax-error',
        severity: 'error',
        title: 'A variable grows until Apache runs out of memory',
        message: `Apache cannot start: ${i.message}.`,
        at: i,
        evidence,
        fix: 'A Define that uses its own value (Define a ${a}${a}) doubles at every line: give the variable its value once, from fixed text, then run apache2ctl configtest.',
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
    case 'not-regular':
      return finding({
        id: 'config-syntax-error',
        severity: 'error',
        title: 'An Include names a device or a FIFO, not a file',
        message: `Apache stops at startup: ${i.message} (a FIFO with no writer makes it wait for ever instead). fcgi-doctor did not open it.`,
        at: i,
        evidence,
        fix: 'Point the Include at a configuration file or a directory of them (a typo such as /dev/... or a leftover FIFO is the usual cause).',
      });
    case 'unreadable':
      return finding({
        id: 'config-file-unreadable',
        severity: 'warning',
        ...(/Permission denied$/.test(i.message)
          ? {
              title: 'Part of the configuration is not visible to this user',
              message: `${i.message}. Apache reads its configuration as root, so this is not an error of Apache's; but fcgi-doctor, running as a user who may not read it, did not analyse it, and this report may miss problems in it.`,
            }
          : {
              title: 'A configuration file could not be read',
              message: `${i.message}. Its contents were not analysed, so this report may miss problems in it.`,
            }),
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
        fix: "Save the file as UTF-8 without BOM (for example: sed -i '1s/^\\xEF\\xBB\\xBF//' FILE).",
      });
    default:
      return finding({
        id: 'config-syntax-error',
        severity: i.severity,
        title:
          i.severity === 'error' ? 'Apache would refuse this configuration' : 'Apache warns about this configuration',
        message: i.severity === 'error' ? `Apache stops at startup with: ${i.message}` : `Apache warns: ${i.message}`,
        at: i,
        evidence,
        fix: 'Correct the line as the message says, then run apache2ctl configtest (apachectl -t).',
      });
  }
}

/** For "…/conf.d/self/self/…/self: Too many levels of symbolic links": the link to remove. */
function loopFix(message: string): string | undefined {
  const m = /Could not open configuration file (.+): Too many levels of symbolic links/.exec(message);
  if (!m?.[1]) return undefined;
  const file = m[1];
  const name = file.slice(file.lastIndexOf('/') + 1);
  let dir = file;
  while (dir.endsWith(`/${name}`)) dir = dir.slice(0, -name.length - 1);
  return `${dir}/${name} is a symbolic link that leads back to a directory Apache is already reading (or to itself), so Apache follows it until the system gives up. Remove it or point it elsewhere, then run apache2ctl configtest.`;
}

export const parseIssuesCheck: ConfigCheck = {
  ids: [
    'config-syntax-error',
    'include-not-found',
    'config-variable-undefined',
    'config-file-unreadable',
    'config-analysis-limit',
  ],
  run(ctx) {
    // The same message on many lines (a variable undefined everywhere it is used,
    // one module loaded again and again) is one cause: once, at its first line.
    const out = new FoldByCause();
    for (const i of ctx.model.issues) {
      out.add(
        `${i.kind}|${i.severity}|${i.message}`,
        () => `${i.file}${i.line !== undefined ? `:${i.line}` : ''}${i.text ? `: ${i.text}` : ''}`,
        () => one(i),
      );
    }
    return out.findings();
  },
};
