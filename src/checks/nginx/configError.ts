/**
 * nginx-config-error: what nginx would report at start (src/nginx's issues, in
 * nginx's own words and at nginx's file:line, and the buffer sizes nginx's
 * merge refuses: bufferMerge.ts). An `emerg` means `nginx -t` fails and a
 * reload keeps the old configuration (a restart leaves nginx down).
 * The one source of this finding for `check` and `trace` (routeFindings.ts).
 */
import type { Finding } from '../../findings/finding.js';
import type { NginxConfig, NginxIssue } from '../../nginx/index.js';
import type { NginxModel } from '../../routing/nginx/config.js';
import { finding } from '../config/make.js';
import { bufferMergeDetails, fastcgiBufferMergeIssue } from './bufferMerge.js';
import type { NginxCheck } from './context.js';

/** Enough to show what is wrong; a generated tree can hold thousands. */
const MAX_ISSUES = 200;

/** What the doctor itself says about a file of the tree (NginxIssue.ours): in its own words, never as nginx's. */
function doctorIssueFinding(i: NginxIssue & { ours: NonNullable<NginxIssue['ours']> }): Finding {
  const at = `${i.file}${i.line !== undefined ? `:${i.line}` : ''}`;
  const loc = { file: i.file, ...(i.line !== undefined ? { line: i.line } : {}), includedFrom: i.includedFrom };
  const evidence = [`fcgi-doctor: ${i.message}${i.line !== undefined ? ` (${at})` : ''}`];
  switch (i.ours) {
    case 'fifo':
      return finding({
        id: 'nginx-config-error',
        severity: 'error',
        title: 'An include names a FIFO: nginx would wait for ever opening it',
        message: `${i.message}. nginx opens every file an include names at start, and opening a FIFO with no writer blocks: nginx -t, a reload or a restart hangs. fcgi-doctor did not open it and read on as if it were empty.`,
        at: loc,
        evidence,
        fix: `Point the include at ${at} at configuration files only (a leftover FIFO, or a glob that matches one), then run "nginx -t" and reload nginx.`,
      });
    case 'unreadable':
      return finding({
        id: 'config-file-unreadable',
        severity: 'warning',
        title: 'Part of the configuration is not visible to this user',
        message: `${i.message}. nginx reads its configuration as root, so this is not an error of nginx's; but fcgi-doctor, running as a user who may not read it, did not analyse it, and this report may miss problems in it.`,
        at: loc,
        evidence,
        fix: 'Run fcgi-doctor with rights to read the whole configuration (sudo), or fix the file permissions if nginx cannot read it either.',
      });
    case 'limit':
      return finding({
        id: 'config-analysis-limit',
        severity: 'warning',
        title: 'Analysis stopped at a safety limit',
        message: `${i.message}. What lies beyond was not analysed, so this report may miss problems in it.`,
        at: loc,
        evidence,
        fix: 'Look for a runaway include pattern or a generated file far larger than a configuration needs.',
      });
    case 'loop':
      return finding({
        id: 'nginx-config-error',
        severity: 'error',
        title: 'An include loop: nginx cannot start with this configuration',
        message: `${i.message}.`,
        at: loc,
        evidence,
        fix: `Remove the include at ${at} that leads back to a file already being read, then run "nginx -t" and reload nginx.`,
      });
    case 'binary':
      return finding({
        id: 'nginx-config-error',
        severity: 'warning',
        title: 'nginx reads a binary file as configuration',
        message: `${i.file} is binary (it has a NUL byte), not a configuration: nginx reads it as text, and the errors it reports there come from that.`,
        at: loc,
        evidence,
        fix: `Stop the include from reading ${i.file} (a stray file in an included directory, or a glob that matches it), then run "nginx -t" and reload nginx.`,
      });
  }
}

/** One issue nginx reports, as a finding; `details` adds what nginx does not say (the statements behind it). */
export function nginxIssueFinding(i: NginxIssue, details?: { evidence: string[]; fix: string }): Finding {
  if (i.ours) return doctorIssueFinding({ ...i, ours: i.ours });
  const at = `${i.file}${i.line !== undefined ? `:${i.line}` : ''}`;
  const where = i.line !== undefined ? ` in ${at}` : '';
  return finding({
    id: 'nginx-config-error',
    severity: i.severity === 'emerg' ? 'error' : 'warning',
    title: i.severity === 'emerg' ? 'nginx refuses this configuration' : 'nginx warns about this configuration',
    message:
      i.severity === 'emerg'
        ? `nginx -t fails with "[emerg] ${i.message}"${where}: nginx does not run this configuration (a reload keeps the old one, a restart leaves nginx down).`
        : `nginx reports "${i.message}"${where}.`,
    at: { file: i.file, ...(i.line !== undefined ? { line: i.line } : {}), includedFrom: i.includedFrom },
    evidence: [`nginx: [${i.severity}] ${i.message}${where}`, ...(details?.evidence ?? [])],
    fix: details?.fix ?? `Correct ${at}, then run "nginx -t" and reload nginx ("systemctl reload nginx").`,
  });
}

/** Every nginx-config-error of a configuration: the reader's issues, then the merge's (nginx checks those last). */
export function nginxConfigErrorFindings(config: NginxConfig, routing: NginxModel): Finding[] {
  const out = config.issues.slice(0, MAX_ISSUES).map((i) => nginxIssueFinding(i));
  const merge = fastcgiBufferMergeIssue(routing);
  const said = (i: NginxIssue) =>
    config.issues.some((x) => x.message === i.message && x.file === i.file && x.line === i.line);
  if (merge && !said(merge.issue)) out.push(nginxIssueFinding(merge.issue, bufferMergeDetails(merge)));
  return out;
}

export const nginxConfigErrorCheck: NginxCheck = {
  ids: ['nginx-config-error', 'config-file-unreadable', 'config-analysis-limit'],
  run(a) {
    // The root itself could not be read: nothing was analysed, the tool could not do its job (exit 2).
    if (a.config.files.length === 0) {
      const i = a.config.issues[0];
      return [
        finding({
          id: 'config-file-unreadable',
          severity: 'error',
          title: "nginx's configuration could not be read",
          message: `${a.config.root} could not be read${i ? `: ${i.message}` : ''}. Nothing was analysed.`,
          at: { file: a.config.root },
          evidence: i ? [`nginx: [${i.severity}] ${i.message}`] : [],
          fix: 'Name the configuration nginx runs with --root, or run the check as a user who may read it (sudo).',
        }),
      ];
    }
    return nginxConfigErrorFindings(a.config, a.routing);
  },
};
