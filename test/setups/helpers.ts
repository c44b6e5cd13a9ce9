import { MemoryFileSource } from '../../src/apache/source.js';
import { parseConfig } from '../../src/apache/parser.js';
import { extractSetups, type FastcgiSetup } from '../../src/setups/index.js';

export const LOAD = {
  fastcgi: 'LoadModule fastcgi_module /usr/lib/apache2/modules/mod_fastcgi.so\n',
  fcgid: 'LoadModule fcgid_module /usr/lib/apache2/modules/mod_fcgid.so\n',
  proxy:
    'LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so\nLoadModule proxy_fcgi_module /usr/lib/apache2/modules/mod_proxy_fcgi.so\n',
  common: 'User www-data\nGroup www-data\nDefaultRuntimeDir /run/apache2\n',
};

export function setupsOf(conf: string, extra: Record<string, string> = {}): FastcgiSetup[] {
  const p = parseConfig({
    rootFile: '/etc/apache2/apache2.conf',
    serverRoot: '/etc/apache2',
    source: new MemoryFileSource({ '/etc/apache2/apache2.conf': conf, ...extra }),
    env: {},
  });
  return extractSetups(p.directives, p.serverRoot, p.modules);
}
