import { MemoryFileSource } from '../../../src/apache/source.js';
import type { AnalyzeResult } from '../../../src/checks/config/index.js';
import { analyzeStrict } from '../strict.js';

export const BASE = `LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule actions_module /usr/lib/apache2/modules/mod_actions.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
LoadModule authn_core_module /usr/lib/apache2/modules/mod_authn_core.so
`;
export const FASTCGI = 'LoadModule fastcgi_module /usr/lib/apache2/modules/mod_fastcgi.so\n';
export const FCGID = 'LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so\n';
export const PROXY =
  'LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\nLoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so\n';

/** The checks on an in-memory server; fails the test if a check crashed (see ../strict.ts). */
export function analyze(conf: string, files: Record<string, string> = {}): AnalyzeResult {
  return analyzeStrict({
    root: '/srv/httpd.conf',
    serverRoot: '/srv',
    source: new MemoryFileSource({ '/srv/httpd.conf': conf, ...files }),
    env: {},
  });
}

export function ids(r: AnalyzeResult): string[] {
  return r.findings.map((f) => f.id);
}

export function only(r: AnalyzeResult, id: string) {
  return r.findings.filter((f) => f.id === id);
}
