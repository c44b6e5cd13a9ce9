import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import { analyzeConfig, type ConfigModel } from '../../src/checks/config/index.js';
import { splitByScope } from '../../src/checks/scope.js';
import type { Finding } from '../../src/findings/finding.js';
import type { FindingId } from '../../src/findings/registry.js';
import { ROOT } from '../client/support.js';
import { BASE, PROXY } from './config/helpers.js';

const TREE = join(ROOT, 'fixtures', 'two-sites');
const RUN = '/nonexistent/two-sites-run';
const ENV = { TWO_SITES_ROOT: TREE, TWO_SITES_RUN: RUN, TWO_SITES_SOCKET: `${RUN}/app.sock` };
const available = (name: string) => join(TREE, 'sites-available', name);
const enabled = (name: string) => join(TREE, 'sites-enabled', name);

function model(target?: string): ConfigModel {
  return analyzeConfig({ target, root: target ? undefined : join(TREE, 'apache2.conf'), env: ENV }).model;
}

function f(id: FindingId, extra: Partial<Finding> = {}): Finding {
  return { id, severity: 'error', title: id, message: id, evidence: [], ...extra };
}

function setupOf(m: ConfigModel, file: string): string {
  const s = m.setups.find((x) => x.definedAt.file === file);
  if (!s) throw new Error(`no setup in ${file}`);
  return s.id;
}

describe('the scope of check FILE', () => {
  const healthy = model(available('healthy.conf'));

  it('the file is matched under the name Apache reads it by (sites-enabled symlink to sites-available)', () => {
    expect(healthy.targetFileNames).toContain(enabled('healthy.conf'));
  });

  it("keeps FILE's setups, FILE's lines, server-wide files, the server as a whole; sets apart the other site", () => {
    const mine = f('socket-missing', { setup: setupOf(healthy, enabled('healthy.conf')) });
    const theirs = f('socket-missing', { setup: setupOf(healthy, enabled('broken.conf')) });
    const theirLine = f('proxy-url-invalid', { location: { file: enabled('broken.conf'), line: 9 } });
    const serverWide = f('options-mixed-syntax', {
      location: { file: join(TREE, 'conf-enabled', 'status.conf'), line: 2 },
    });
    const wholeServer = f('server-not-running');
    const r = splitByScope(healthy, [mine, theirs, theirLine, serverWide, wholeServer]);
    expect(r.inScope).toEqual([mine, serverWide, wholeServer]);
    expect(r.elsewhere?.findings).toEqual([theirs, theirLine]);
    expect(r.elsewhere?.summary).toEqual({ error: 2, warning: 0, info: 0 });
    expect(r.elsewhere?.sites).toEqual([enabled('broken.conf')]);
  });

  it("one cause shared with FILE (a socket both sites name), filed under the other site's setup: in scope", () => {
    const shared = f('socket-missing', {
      setup: setupOf(healthy, enabled('broken.conf')),
      evidence: [
        { kind: 'config', text: `${enabled('broken.conf')}:7: ProxyPass /app/ …` },
        { kind: 'config', text: `${enabled('healthy.conf')}:6: ProxyPass /app/ …` },
      ],
    });
    expect(splitByScope(healthy, [shared]).inScope).toEqual([shared]);
  });

  it('a syntax error in another site stops Apache as a whole: in scope (the reload of FILE fails too)', () => {
    const syntax = f('config-syntax-error', { location: { file: enabled('broken.conf'), line: 4 } });
    expect(splitByScope(healthy, [syntax]).inScope).toEqual([syntax]);
  });

  it("logs: FILE's own ErrorLog in scope, another vhost's set apart, the main log unless it names only another site's backend", () => {
    const own = f('app-stderr', {
      location: { file: `${RUN}/healthy-error.log` },
      evidence: [{ kind: 'log', text: 'x' }],
    });
    const other = f('app-stderr', {
      location: { file: `${RUN}/broken-error.log` },
      evidence: [{ kind: 'log', text: 'x' }],
    });
    const mainAboutThem = f('socket-missing', {
      location: { file: `${RUN}/error.log` },
      evidence: [
        { kind: 'log', text: `AH02454: FCGI: attempt to connect to Unix domain socket ${RUN}/absent.sock failed` },
      ],
    });
    const mainAboutUs = f('socket-missing', {
      location: { file: `${RUN}/error.log` },
      evidence: [
        { kind: 'log', text: `AH02454: FCGI: attempt to connect to Unix domain socket ${RUN}/app.sock failed` },
      ],
    });
    const mainUnknown = f('request-too-large', {
      location: { file: `${RUN}/error.log` },
      evidence: [{ kind: 'log', text: 'AH01' }],
    });
    const r = splitByScope(healthy, [own, other, mainAboutThem, mainAboutUs, mainUnknown]);
    expect(r.inScope).toEqual([own, mainAboutUs, mainUnknown]);
    expect(r.elsewhere?.findings).toEqual([other, mainAboutThem]);
    expect(r.elsewhere?.sites).toEqual([enabled('broken.conf')]);
  });

  it('no FILE, or the root file itself: the whole server, nothing set apart', () => {
    const all = model();
    const theirs = f('socket-missing', { setup: setupOf(all, enabled('broken.conf')) });
    const r = splitByScope(all, [theirs]);
    expect(r.inScope).toEqual([theirs]);
    expect(r.elsewhere).toBeUndefined();
  });

  it("a main-server setup (Debian's conf-enabled/php8.2-fpm.conf SetHandler) reaches every vhost: in scope", () => {
    const source = new MemoryFileSource({
      '/etc/apache2/apache2.conf': `${BASE}${PROXY}IncludeOptional conf-enabled/*.conf\nIncludeOptional sites-enabled/*.conf\n`,
      '/etc/apache2/conf-enabled/php8.2-fpm.conf':
        '<FilesMatch ".+\\.ph(?:ar|p|tml)$">\n    SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\n',
      '/etc/apache2/sites-enabled/blog.conf':
        '<VirtualHost *:80>\nServerName blog\nDocumentRoot /srv/blog\n</VirtualHost>\n',
      '/etc/apache2/sites-enabled/shop.conf':
        '<VirtualHost *:80>\nServerName shop\nProxyPass /api/ fcgi://127.0.0.1:9001/\n</VirtualHost>\n',
    });
    const m = analyzeConfig({
      target: '/etc/apache2/sites-enabled/blog.conf',
      root: '/etc/apache2/apache2.conf',
      source,
      env: {},
    }).model;
    const fpm = setupOf(m, '/etc/apache2/conf-enabled/php8.2-fpm.conf');
    const shop = setupOf(m, '/etc/apache2/sites-enabled/shop.conf');
    const r = splitByScope(m, [f('socket-missing', { setup: fpm }), f('backend-unreachable', { setup: shop })]);
    expect(r.inScope.map((x) => x.setup)).toEqual([fpm]);
    expect(r.elsewhere?.findings.map((x) => x.setup)).toEqual([shop]);
    expect([...r.setupsInScope]).toEqual([fpm]);
  });
});
