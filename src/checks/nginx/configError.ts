/**
 * nginx-config-error: what nginx would report at start (src/nginx's issues, in
 * nginx's own words and at nginx's file:line). An `emerg` means `nginx -t`
 * fails and a reload keeps the old configuration (a restart leaves nginx down).
 */
import { finding } from '../config/make.js';
import type { NginxCheck } from './context.js';

const MAX_ISSUES = 200;

export const nginxConfigErrorCheck: NginxCheck = {
  ids: ['nginx-config-error', 'config-file-unreadable'],
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
    return a.config.issues.slice(0, MAX_ISSUES).map((i) =>
      finding({
        id: 'nginx-config-error',
        severity: i.severity === 'emerg' ? 'error' : 'warning',
        title: i.severity === 'emerg' ? 'nginx refuses this configuration' : 'nginx warns about this configuration',
        message:
          i.severity === 'emerg'
            ? `nginx -t fails with "[emerg] ${i.message}"${i.line !== undefined ? ` in ${i.file}:${i.line}` : ''}: a reload keeps the old configuration and a restart leaves nginx down.`
            : `nginx reports "${i.message}"${i.line !== undefined ? ` in ${i.file}:${i.line}` : ''}.`,
        at: { file: i.file, ...(i.line !== undefined ? { line: i.line } : {}), includedFrom: i.includedFrom },
        evidence: [`nginx: [${i.severity}] ${i.message}${i.line !== undefined ? ` in ${i.file}:${i.line}` : ''}`],
        fix: `Correct ${i.file}${i.line !== undefined ? `:${i.line}` : ''}, then run "nginx -t" and reload nginx ("systemctl reload nginx").`,
      }),
    );
  },
};
