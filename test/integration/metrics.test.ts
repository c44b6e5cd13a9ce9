/**
 * The metric formats against real servers (issue 16): `status` (one pool and
 * --all) and `ping` against real PHP-FPM masters, `check` of a real vhost of
 * a real Apache configuration, `logs` of PHP-FPM's own error log after it
 * really hit pm.max_children. Every output is checked by the real
 * `promtool check metrics`, and the OpenMetrics outputs are scraped by a real
 * Prometheus (whose OpenMetrics parser is strict: a bad line fails the
 * scrape). `status --serve-metrics` is scraped by that Prometheus too, with a
 * pool stopped and a pool that never answers; node_exporter's textfile
 * collector reads what --output writes.
 *
 * promtool 2.42's `check metrics` reads the Prometheus text format 0.0.4
 * (cmd/promtool/main.go, CheckMetrics: promlint over expfmt's text parser):
 * on OpenMetrics it parses `# EOF` and `# UNIT` as comments, and since a
 * counter's OpenMetrics family is named without _total while its sample has
 * it, it lints each counter sample as "no help text". That lint, and only for
 * the families typed as counters, is all it may say of --format openmetrics;
 * of --format prometheus it must say nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRequestEnvironment } from '../../src/client/params.js';
import { sendRequest } from '../../src/client/request.js';
import { formatMetrics } from '../../src/report/metrics.js';
import { startApache, type ApacheServer } from './harness/apache.js';
import { freePort } from './harness/freePort.js';
import { startPhpFpm, type PhpFpmServer } from './harness/phpFpm.js';
import { BIN, BINARIES, hasBinary, requireBuiltCli } from './harness/requireServer.js';
import { makeTempDir, type TempDir } from './harness/tempdir.js';
import { waitFor } from './harness/waitFor.js';

const built = requireBuiltCli();
const haveServers =
  hasBinary(BINARIES.phpFpm) &&
  hasBinary(BINARIES.apache) &&
  hasBinary(BINARIES.modProxyFcgi) &&
  hasBinary(BINARIES.promtool) &&
  hasBinary(BINARIES.prometheus) &&
  hasBinary(BINARIES.nodeExporter);

async function cli(args: string[]) {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    timeout: 60_000,
    env: { NO_COLOR: '1' },
    stripFinalNewline: false,
  });
  return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

function promtool(text: string) {
  const r = spawnSync(BINARIES.promtool.path, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The families an exposition types as counters. */
const counters = (text: string) => [...text.matchAll(/^# TYPE (\S+) counter$/gm)].map((m) => m[1]);

/** promtool on OpenMetrics: parsed, and no lint but the counters' unavoidable one. */
function expectPromtoolAcceptsOpenMetrics(text: string, what: string) {
  const r = promtool(text);
  expect(r.code, `${what}: ${r.out}`).not.toBe(1);
  const problems = r.out.split('\n').filter(Boolean);
  const expected = counters(text).map((c) => `${c}_total no help text`);
  expect(problems.sort(), what).toEqual(expected.sort());
  expect(text.endsWith('\n# EOF\n'), what).toBe(true);
}

function expectPromtoolClean(text: string, what: string) {
  const r = promtool(text);
  expect(r, what).toEqual({ code: 0, out: '' });
}

/** Names no sane pool has, and a hostile one might. */
const HOSTILE = [
  'a"b',
  'back\\slash\\',
  'two\nlines',
  'esc\u001b]0;x\u0007',
  '} 1\nfcgi_doctor_up 0',
  'caf\u00e9 \u{1F600}',
];

const SCRIPTS = {
  'slow.php': '<?php sleep((int)($_GET["s"] ?? 3)); echo "done";',
  'index.php': '<?php echo "ok";',
};

describe.skipIf(!built || !haveServers)('metrics: OpenMetrics and the text format against real servers', () => {
  let unixFpm: PhpFpmServer;
  let tcpFpm: PhpFpmServer;
  let apache: ApacheServer;
  let vhostPath = '';
  let dir: TempDir;
  /** OpenMetrics outputs of every command, for the Prometheus scrape below. */
  const outputs = new Map<string, string>();
  const sock = () => (unixFpm.endpoint as { path: string }).path;
  const tcp = () => {
    const e = tcpFpm.endpoint as { host: string; port: number };
    return `${e.host}:${e.port}`;
  };

  beforeAll(async () => {
    dir = makeTempDir('metrics');
    unixFpm = await startPhpFpm({
      scripts: SCRIPTS,
      pools: [
        // One worker, dynamic: two requests at once make FPM log that it reached pm.max_children.
        {
          name: 'www',
          listen: { kind: 'unix' },
          pm: 'dynamic',
          maxChildren: 1,
          startServers: 1,
          minSpareServers: 1,
          maxSpareServers: 1,
          statusPath: '/status',
        },
        { name: 'quiet', listen: { kind: 'unix' }, pm: 'static', maxChildren: 1 },
      ],
    });
    tcpFpm = await startPhpFpm({
      scripts: SCRIPTS,
      pools: [{ name: 'api', listen: { kind: 'tcp' }, pm: 'static', maxChildren: 2, statusPath: '/status' }],
    });
    apache = await startApache({
      modules: ['proxy_fcgi'],
      config: (ctx) => {
        vhostPath = `${ctx.extraDir}/site.conf`;
        writeFileSync(
          vhostPath,
          `<VirtualHost *:${ctx.port}>\n  ServerName site.test\n  DocumentRoot ${unixFpm.docRoot}\n  <Directory ${unixFpm.docRoot}>\n    Require all granted\n  </Directory>\n  <FilesMatch "\\.php$">\n    SetHandler "proxy:unix:${sock()}|fcgi://localhost"\n  </FilesMatch>\n</VirtualHost>\n`,
        );
        return `Include ${vhostPath}\n`;
      },
    });
  }, 90_000);

  afterAll(async () => {
    await apache?.stop();
    await unixFpm?.stop();
    await tcpFpm?.stop();
    dir?.remove();
  });

  it('status of one pool, Unix and TCP: counters, gauges, pm.max_children; promtool accepts both formats', async () => {
    for (const [target, name] of [
      [sock(), 'www'],
      [tcp(), 'api'],
    ] as const) {
      const om = await cli(['status', target, '--format', 'openmetrics']);
      expect(om.stderr).toBe('');
      expect(om.code, om.stdout).toBe(0);
      expectPromtoolAcceptsOpenMetrics(om.stdout, `status ${target}`);
      expect(om.stdout.split('\n').filter((l) => l.startsWith('fcgi_doctor_up{'))).toEqual([
        expect.stringMatching(
          new RegExp(`^fcgi_doctor_up\\{command="status",pool="${name}",target="[^"]+"[^}]*\\} 1$`),
        ),
      ]);
      expect(om.stdout).toMatch(/^# TYPE fcgi_doctor_fpm_accepted_connections counter$/m);
      expect(om.stdout).toMatch(/^fcgi_doctor_fpm_accepted_connections_total\{[^}]*\} \d+$/m);
      expect(om.stdout).toMatch(/^# TYPE fcgi_doctor_fpm_max_active_processes gauge$/m);
      expect(om.stdout).toMatch(/^fcgi_doctor_fpm_max_children\{[^}]*\} [12]$/m);
      // FPM measures the listen queue of TCP listeners only.
      expect(om.stdout.includes('fcgi_doctor_fpm_listen_queue{'), target).toBe(name === 'api');
      outputs.set(`status-${name}`, om.stdout);
      const text = await cli(['status', target, '--format', 'prometheus']);
      expect(text.code).toBe(0);
      expectPromtoolClean(text.stdout, `status ${target} --format prometheus`);
    }
  });

  it('status --all: one label set per pool, php_version, a pool without pm.status_path listed but not asked', async () => {
    const args = ['status', '--all', '--fpm-config', unixFpm.confPath, '--fpm-config', tcpFpm.confPath];
    const om = await cli([...args, '--format', 'openmetrics']);
    expect(om.stderr).toBe('');
    expect(om.code, om.stdout).toBe(0);
    expectPromtoolAcceptsOpenMetrics(om.stdout, 'status --all');
    const ups = om.stdout.split('\n').filter((l) => l.startsWith('fcgi_doctor_up{'));
    expect(ups).toHaveLength(2);
    for (const l of ups) expect(l).toMatch(/php_version="\d+\.\d+"\} 1$/);
    expect(om.stdout).toMatch(/^fcgi_doctor_pool_status_path_configured\{command="status",pool="quiet",[^}]*\} 0$/m);
    outputs.set('status-all', om.stdout);
    const text = await cli([...args, '--format', 'prometheus']);
    expectPromtoolClean(text.stdout, 'status --all --format prometheus');
  });

  it('a stopped pool: status exits 1 as before, fcgi_doctor_up 0, promtool still accepts it', async () => {
    const gone = join(dir.path, 'gone.sock');
    const om = await cli(['status', gone, '--format', 'openmetrics', '--timeout', '1s']);
    expect(om.code).toBe(1);
    expect(om.stdout).toMatch(/^fcgi_doctor_up\{command="status",target="[^"]+gone\.sock"\} 0$/m);
    expectPromtoolAcceptsOpenMetrics(om.stdout, 'status of a stopped pool');
    const ping = await cli(['ping', gone, '--format', 'openmetrics']);
    expect(ping.code).toBe(1);
    expect(ping.stdout).toMatch(/^fcgi_doctor_up\{command="ping",target="[^"]+"\} 0$/m);
    expectPromtoolAcceptsOpenMetrics(ping.stdout, 'ping of a stopped pool');
  });

  it('ping, one request and --count: the figures, and promtool accepts both formats', async () => {
    const one = await cli(['ping', sock(), '--script', '/ping', '--format', 'openmetrics']);
    expect(one.code, one.stdout).toBe(0);
    expect(one.stdout).toMatch(/^fcgi_doctor_ping_response_status\{command="ping",target="[^"]+"\} 200$/m);
    expect(one.stdout).toMatch(/^# UNIT fcgi_doctor_ping_duration_seconds seconds$/m);
    expectPromtoolAcceptsOpenMetrics(one.stdout, 'ping');
    outputs.set('ping', one.stdout);
    const load = await cli(['ping', tcp(), '--script', '/ping', '--count', '20', '--format', 'prometheus']);
    expect(load.code, load.stdout).toBe(0);
    expect(load.stdout).toMatch(
      /^fcgi_doctor_ping_load_requests\{command="ping",target="[^"]+",result="completed"\} 20$/m,
    );
    expectPromtoolClean(load.stdout, 'ping --count --format prometheus');
  });

  it('check of a real vhost: findings by id and severity, promtool accepts both formats', async () => {
    const om = await cli(['check', vhostPath, '--root', apache.confPath, '--format', 'openmetrics']);
    expect([0, 1]).toContain(om.code);
    expect(om.stdout).toMatch(/^fcgi_doctor_up\{command="check",target="[^"]+site\.conf"\} 1$/m);
    expect(om.stdout).toMatch(
      /^fcgi_doctor_findings_by_severity\{command="check",target="[^"]+",severity="error"\} \d+$/m,
    );
    expect(om.stdout).toMatch(/^fcgi_doctor_check_setups\{[^}]*\} [1-9]\d*$/m);
    expectPromtoolAcceptsOpenMetrics(om.stdout, 'check');
    outputs.set('check', om.stdout);
    const text = await cli(['check', vhostPath, '--root', apache.confPath, '--format', 'prometheus']);
    expect(text.code).toBe(om.code);
    expectPromtoolClean(text.stdout, 'check --format prometheus');
  });

  it("logs of PHP-FPM's own log after it reached pm.max_children: the finding counted, promtool accepts both", async () => {
    const params = buildRequestEnvironment({ script: `${unixFpm.docRoot}/slow.php`, uri: '/slow.php?s=3' });
    const target = { kind: 'unix' as const, path: sock() };
    const busy = Promise.allSettled(
      Array.from({ length: 2 }, () => sendRequest(target, { params, timeoutMs: 30_000 })),
    );
    await waitFor(() => /reached pm\.max_children/.test(unixFpm.errorLog()), {
      timeoutMs: 15_000,
      what: 'FPM to log that it reached pm.max_children',
    });
    await busy;
    const om = await cli(['logs', unixFpm.errorLogPath, '--format', 'openmetrics']);
    expect(om.stdout).toMatch(
      /^fcgi_doctor_findings\{command="logs",target="[^"]+",id="[a-z-]+",severity="\w+"\} [1-9]\d*$/m,
    );
    expect(om.stdout).toMatch(/^fcgi_doctor_up\{command="logs",target="[^"]+"\} 1$/m);
    expectPromtoolAcceptsOpenMetrics(om.stdout, 'logs');
    outputs.set('logs', om.stdout);
    const text = await cli(['logs', unixFpm.errorLogPath, '--format', 'prometheus']);
    expect(text.code).toBe(om.code);
    expectPromtoolClean(text.stdout, 'logs --format prometheus');
  }, 30_000);

  it("node_exporter's textfile collector reads what --output writes: several commands in one directory, counters typed in the text format", async () => {
    const textfile = join(dir.path, 'node-exporter');
    mkdirSync(textfile);
    const runs = [
      [
        'status',
        '--all',
        '--fpm-config',
        unixFpm.confPath,
        '--format',
        'prometheus',
        '--output',
        join(textfile, 'status.prom'),
      ],
      ['ping', sock(), '--script', '/ping', '--format', 'prometheus', '--output', join(textfile, 'ping.prom')],
      [
        'check',
        vhostPath,
        '--root',
        apache.confPath,
        '--format',
        'prometheus',
        '--output',
        join(textfile, 'check.prom'),
      ],
      ['status', tcp(), '--format', 'prometheus', '--output', join(textfile, 'api.prom')],
    ];
    for (const args of runs) expect((await cli(args)).stdout).toBe('');
    const port = await freePort();
    const exporter = execa(
      BINARIES.nodeExporter.path,
      [
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${textfile}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { reject: false },
    );
    try {
      const body = await waitFor(
        async () => {
          const r = await fetch(`http://127.0.0.1:${port}/metrics`);
          return r.ok ? r.text() : undefined;
        },
        { timeoutMs: 15_000, what: 'node_exporter /metrics' },
      );
      expect(body).toMatch(/^node_textfile_scrape_error 0$/m);
      const ups = body.split('\n').filter((l) => l.startsWith('fcgi_doctor_up{'));
      expect(ups.map((l) => /command="(\w+)"/.exec(l)?.[1]).sort()).toEqual(['check', 'ping', 'status', 'status']);
      expect(body).toMatch(/^# TYPE fcgi_doctor_fpm_max_children_reached_total counter$/m);
      for (const pool of ['www', 'api'])
        expect(body).toMatch(
          new RegExp(`^fcgi_doctor_fpm_max_children_reached_total\\{[^}]*pool="${pool}"[^}]*\\} \\d+$`, 'm'),
        );
    } finally {
      exporter.kill('SIGTERM');
      await exporter;
    }
  });

  it('--output: the report lands whole in the file, stdout empty, no temporary file left', async () => {
    const textfile = join(dir.path, 'textfile');
    mkdirSync(textfile);
    const file = join(textfile, 'fcgi.prom');
    const r = await cli([
      'status',
      '--all',
      '--fpm-config',
      unixFpm.confPath,
      '--format',
      'prometheus',
      '--output',
      file,
    ]);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expectPromtoolClean(readFileSync(file, 'utf8'), '--output file');
    expect(readdirSync(textfile)).toEqual(['fcgi.prom']);
    const bad = await cli(['status', sock(), '--output', join(dir.path, 'nowhere', 'x.prom')]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/--output .*: the directory .*nowhere does not exist/);
  });

  describe('a real Prometheus scraping', () => {
    let prometheus: ResultPromise | undefined;
    let endpoint: ResultPromise | undefined;
    let files: Server | undefined;
    let stuck: NetServer | undefined;
    const stuckSockets: Socket[] = [];
    let promPort = 0;

    const query = async (q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> => {
      const r = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      const json = (await r.json()) as {
        data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return json.data?.result ?? [];
    };
    const scalar = async (q: string) => {
      const r = await query(q);
      return r.length === 1 ? Number(r[0]?.value[1]) : undefined;
    };

    beforeAll(async () => {
      // A pool that accepts connections and never answers: a stuck pool must not hang the scrape.
      stuck = createNetServer((s) => {
        stuckSockets.push(s);
        s.on('error', () => undefined);
      });
      const stuckPort = await freePort();
      await new Promise<void>((res) => stuck?.listen(stuckPort, '127.0.0.1', res));
      const stuckConf = join(dir.path, 'stuck-fpm.conf');
      writeFileSync(
        stuckConf,
        `[global]\npid = ${dir.path}/stuck.pid\n[stuck]\nuser = www-data\nlisten = 127.0.0.1:${stuckPort}\npm = static\npm.max_children = 1\npm.status_path = /status\n`,
      );
      // Label values as a hostile backend or configuration could name things, through our escaping.
      outputs.set(
        'hostile',
        formatMetrics(
          HOSTILE.map((value, i) => ({
            name: `fcgi_doctor_hostile_${i}`,
            type: 'gauge' as const,
            help: 'h',
            samples: [{ labels: { pool: value }, value: i }],
          })),
          'openmetrics',
        ),
      );
      // The OpenMetrics outputs of the commands above, served as an exporter would serve them.
      files = createHttpServer((req, res) => {
        const body = outputs.get((req.url ?? '').slice(1));
        if (body === undefined) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(body);
      });
      const filesPort = await freePort();
      await new Promise<void>((res) => files?.listen(filesPort, '127.0.0.1', res));

      // A copy of the TCP master's configuration (absolute includes): the harness, stopping that master below,
      // ends every process whose command line names its directory, and the endpoint must outlive it.
      const apiConf = join(dir.path, 'api-fpm.conf');
      writeFileSync(apiConf, readFileSync(tcpFpm.confPath));
      const metricsPort = await freePort();
      endpoint = execa(
        process.execPath,
        [
          BIN,
          'status',
          '--serve-metrics',
          `127.0.0.1:${metricsPort}`,
          '--fpm-config',
          unixFpm.confPath,
          '--fpm-config',
          apiConf,
          '--fpm-config',
          stuckConf,
          '--timeout',
          '3s',
        ],
        { reject: false, env: { NO_COLOR: '1' } },
      );
      await waitFor(async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).ok, {
        timeoutMs: 15_000,
        what: 'the metrics endpoint',
      });

      promPort = await freePort();
      const promDir = join(dir.path, 'prometheus');
      mkdirSync(promDir);
      const fileJobs = [...outputs.keys()].map(
        (name) =>
          `  - job_name: file-${name}\n    metrics_path: /${name}\n    static_configs:\n      - targets: ['127.0.0.1:${filesPort}']\n`,
      );
      writeFileSync(
        join(promDir, 'prometheus.yml'),
        `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: fcgi\n    static_configs:\n      - targets: ['127.0.0.1:${metricsPort}']\n${fileJobs.join('')}`,
      );
      prometheus = execa(
        BINARIES.prometheus.path,
        [
          `--config.file=${join(promDir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(promDir, 'data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
        ],
        { reject: false, cwd: promDir },
      );
    }, 60_000);

    afterAll(async () => {
      prometheus?.kill('SIGTERM');
      await prometheus;
      if (endpoint) {
        endpoint.kill('SIGTERM');
        const r = await endpoint;
        // SIGTERM is the way to stop it: a clean exit, status 0.
        expect(r.exitCode).toBe(0);
      }
      for (const s of stuckSockets) s.destroy();
      await new Promise((res) => stuck?.close(res));
      await new Promise((res) => files?.close(res));
    });

    it('scrapes every OpenMetrics output of the commands with its strict parser: up is 1 for each', async () => {
      const jobs = [...outputs.keys()].map((n) => `file-${n}`);
      expect(jobs.length).toBeGreaterThanOrEqual(5);
      await waitFor(
        async () => {
          const ups = await query('up');
          return jobs.every((j) => ups.some((u) => u.metric.job === j && u.value[1] === '1'));
        },
        { timeoutMs: 40_000, intervalMs: 500, what: 'every file job up' },
      );
      // The samples arrived, with their types: a counter queried by its _total name.
      expect(await scalar('fcgi_doctor_fpm_accepted_connections_total{job="file-status-api"}')).toBeGreaterThan(0);
    }, 60_000);

    it('label values with quotes, backslashes, newlines and controls reach Prometheus as they were (controls replaced)', async () => {
      await waitFor(async () => (await scalar('up{job="file-hostile"}')) === 1, {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: 'up{job="file-hostile"} == 1',
      });
      for (const [i, value] of HOSTILE.entries()) {
        const r = await query(`fcgi_doctor_hostile_${i}`);
        expect(r.map((x) => x.metric.pool)).toEqual([
          value.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '\uFFFD'),
        ]);
      }
    }, 60_000);

    it('scrapes the endpoint: up 1, a stuck pool is fcgi_doctor_up 0 within the scrape deadline; then a stopped pool too', async () => {
      await waitFor(async () => (await scalar('up{job="fcgi"}')) === 1, {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: 'up{job="fcgi"} == 1',
      });
      const ups = Object.fromEntries(
        (await query('fcgi_doctor_up{job="fcgi"}')).map((r) => [r.metric.pool, Number(r.value[1])]),
      );
      expect(ups).toEqual({ www: 1, api: 1, stuck: 0 });
      expect(await scalar('scrape_duration_seconds{job="fcgi"}')).toBeLessThan(1);
      expect(await scalar('fcgi_doctor_fpm_max_children{job="fcgi",pool="api"}')).toBe(2);

      // The master stopped, its configuration still there: the pool is found, and does not answer.
      await tcpFpm.process.stop();
      await waitFor(async () => (await scalar('fcgi_doctor_up{job="fcgi",pool="api"}')) === 0, {
        timeoutMs: 20_000,
        intervalMs: 500,
        what: 'fcgi_doctor_up{pool="api"} == 0 once its master stopped',
      });
      expect(await scalar('up{job="fcgi"}')).toBe(1);
      expect(await scalar('scrape_duration_seconds{job="fcgi"}')).toBeLessThan(1);
      expect(await scalar('fcgi_doctor_up{job="fcgi",pool="www"}')).toBe(1);
    }, 90_000);
  });
});
