import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { makeTempDir, type TempDir } from '../client/support.js';
import { errorsText, fixture, outputValidator, run } from './support.js';

const validate = outputValidator();

async function expectValidJson(args: string[], env: Record<string, string> = {}) {
  const r = await run([...args, '--format', 'json'], { env });
  expect(r.stdout.trim().startsWith('{'), r.stderr).toBe(true);
  const json = JSON.parse(r.stdout) as Record<string, unknown>;
  const ok = validate(json);
  expect(ok, `${args.join(' ')}\n${errorsText(validate.errors)}`).toBe(true);
  return { ...r, json };
}

describe('--format json of every command validates against schema/fcgi-doctor.schema.json', () => {
  let dir: TempDir;
  let app: RunningServer;
  let sock: string;
  beforeAll(async () => {
    dir = makeTempDir('schema');
    sock = dir.join('app.sock');
    app = await startServer({ kind: 'unix', path: sock });
  });
  afterAll(async () => {
    await app.close();
    dir.remove();
  });

  it('ping: a response, a load, management values, an unreachable backend, a failed expectation', async () => {
    const ok = await expectValidJson(['ping', sock]);
    expect(ok.json.response).toBeDefined();
    const load = await expectValidJson(['ping', sock, '--count', '20', '--concurrency', '4']);
    expect(load.json.load).toBeDefined();
    const values = await expectValidJson(['ping', sock, '--get-values']);
    expect(values.json.values).toBeDefined();
    const down = await expectValidJson(['ping', dir.join('absent.sock')]);
    expect(down.code).toBe(1);
    const failed = await expectValidJson(['ping', sock, '--expect-body', 'no such text', '--uri', '/?status=503']);
    expect(failed.code).toBe(1);
  });

  it('check: the seed vhosts offline, and the demo vhost with a real request', async () => {
    for (const name of [
      'lazy-vhost',
      'external-socket-vhost',
      'external-tcp-vhost',
      'static-port-vhost',
      'static-socket-vhost',
    ]) {
      const r = await expectValidJson(['check', '--offline', fixture('seed', name)]);
      expect(r.json.checked).toBeDefined();
    }
    const live = await expectValidJson(['check', fixture('demo', 'external-app-vhost.conf')], {
      FCGI_DEMO_SOCKET: sock,
    });
    expect(live.json.command).toBe('check');
  });

  it('logs: every log fixture, and a log that does not exist', async () => {
    for (const name of [
      'mixed-noise.log',
      'apache-error.log.2.gz',
      'docker-compose.log',
      'nginx-multiline-stderr.log',
      'php-fpm-max-children.log',
    ]) {
      await expectValidJson(['logs', fixture('logs', name)]);
    }
    const missing = await expectValidJson(['logs', dir.join('absent.log')]);
    expect(missing.code).toBe(2);
  });

  it('rules, and explain of a finding id and of a log rule', async () => {
    const rules = await expectValidJson(['rules']);
    const ruleIds = (rules.json.rules as Array<{ id: string }>).map((r) => r.id);
    expect(ruleIds.length).toBeGreaterThan(0);
    await expectValidJson(['explain', 'socket-missing']);
    await expectValidJson(['explain', ruleIds[0]!]);
  });

  // Needs the routing model (src/routing/apache/index.ts, src/routing/url.ts) of issue 14.
  it('trace: a route offline, and a route with the live answer of the echo app', async () => {
    const site = fixture('trace', 'fpm-site');
    const args = (url: string) => ['trace', url, '--root', `${site}/httpd.conf`, '--server-root', site];
    const offline = await expectValidJson([...args('http://site.test/index.php/x'), '--offline'], {
      TRACE_SOCKET: sock,
      TRACE_SITE: site,
    });
    expect(offline.json.trace).toBeDefined();
    const live = await expectValidJson(args('http://site.test/index.php?format=json'), {
      TRACE_SOCKET: sock,
      TRACE_SITE: site,
    });
    expect(live.json.response).toBeDefined();
    expect(live.json.browser).toBeDefined();
  });

  it('status --all: a pool with pm.status_path that does not answer, and one without', async () => {
    const pools = dir.join('pool.d');
    mkdirSync(pools, { recursive: true });
    const conf = dir.join('php-fpm.conf');
    writeFileSync(conf, `[global]\npid = ${dir.join('fpm.pid')}\ninclude = ${pools}/*.conf\n`);
    const pool = (name: string, extra: string) =>
      `[${name}]\nuser = www-data\nlisten = ${dir.join(`${name}.sock`)}\npm = static\npm.max_children = 2\n${extra}`;
    writeFileSync(join(pools, 'a.conf'), pool('asked', 'pm.status_path = /status\npm.status_listen = 127.0.0.1:1\n'));
    writeFileSync(join(pools, 'b.conf'), pool('quiet', ''));
    const all = await expectValidJson(['status', '--all', '--fpm-config', conf, '--timeout', '1s']);
    expect(all.code).toBe(1);
    expect((all.json.pools as Array<{ id: string; state: string }>).map((p) => [p.id, p.state])).toEqual([
      ['asked', 'failing'],
      ['quiet', 'no-status-path'],
    ]);
  });

  it('the schema is not a rubber stamp', async () => {
    const r = await run(['check', '--offline', fixture('seed', 'lazy-vhost'), '--format', 'json']);
    const json = JSON.parse(r.stdout);
    expect(validate({ ...json, findings: [{ ...json.findings[0], severity: 'fatal' }] })).toBe(false);
    expect(validate({ ...json, checked: undefined })).toBe(false);
    const { summary: _s, ...noSummary } = json;
    expect(validate(noSummary)).toBe(false);
  });
});
