/**
 * The metric expositions (src/report/metrics.ts) and the command reporters on
 * them: OpenMetrics and the Prometheus text format written exactly, counters
 * sampled as _total, units in the name, and untrusted label values that can
 * never end a line or forge a sample.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/findings/finding.js';
import { formatCheckMetrics } from '../../src/report/checkMetrics.js';
import {
  escapeLabelValue,
  findingFamilies,
  formatMetrics,
  MAX_LABEL_VALUE_CHARS,
  type MetricFamily,
} from '../../src/report/metrics.js';
import { formatStatusAllMetrics, formatStatusMetrics } from '../../src/report/statusMetrics.js';
import type { PoolRow } from '../../src/status/all.js';
import type { StatusReport } from '../../src/status/evaluate.js';

const counter: MetricFamily = {
  name: 'fcgi_doctor_fpm_accepted_connections',
  type: 'counter',
  help: 'Connections accepted',
  samples: [{ labels: { pool: 'www' }, value: 12 }],
};
const timed: MetricFamily = {
  name: 'fcgi_doctor_last_run_timestamp_seconds',
  type: 'gauge',
  unit: 'seconds',
  help: 'When',
  samples: [{ labels: {}, value: 1.5 }],
};

describe('formatMetrics', () => {
  it('OpenMetrics: the family named without _total, its sample with it, # UNIT, # EOF last', () => {
    expect(formatMetrics([counter, timed], 'openmetrics')).toBe(
      [
        '# HELP fcgi_doctor_fpm_accepted_connections Connections accepted',
        '# TYPE fcgi_doctor_fpm_accepted_connections counter',
        'fcgi_doctor_fpm_accepted_connections_total{pool="www"} 12',
        '# HELP fcgi_doctor_last_run_timestamp_seconds When',
        '# TYPE fcgi_doctor_last_run_timestamp_seconds gauge',
        '# UNIT fcgi_doctor_last_run_timestamp_seconds seconds',
        'fcgi_doctor_last_run_timestamp_seconds 1.5',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it('Prometheus text 0.0.4: HELP and TYPE name the sample (_total), no UNIT, no EOF', () => {
    expect(formatMetrics([counter, timed], 'prometheus')).toBe(
      [
        '# HELP fcgi_doctor_fpm_accepted_connections_total Connections accepted',
        '# TYPE fcgi_doctor_fpm_accepted_connections_total counter',
        'fcgi_doctor_fpm_accepted_connections_total{pool="www"} 12',
        '# HELP fcgi_doctor_last_run_timestamp_seconds When',
        '# TYPE fcgi_doctor_last_run_timestamp_seconds gauge',
        'fcgi_doctor_last_run_timestamp_seconds 1.5',
        '',
      ].join('\n'),
    );
  });

  it('leaves out a family without samples and a repeated label set (a strict parser refuses both)', () => {
    const out = formatMetrics(
      [
        { ...counter, samples: [] },
        {
          name: 'fcgi_doctor_x',
          type: 'gauge',
          help: 'x',
          samples: [
            { labels: { pool: 'a' }, value: 1 },
            { labels: { pool: 'a' }, value: 2 },
            { labels: { pool: 'b', php_version: undefined }, value: 3 },
          ],
        },
      ],
      'openmetrics',
    );
    expect(out).not.toContain('accepted');
    expect(out).toContain('fcgi_doctor_x{pool="a"} 1\nfcgi_doctor_x{pool="b"} 3\n# EOF\n');
  });

  it('NaN and infinities as the formats spell them', () => {
    const out = formatMetrics(
      [
        {
          name: 'fcgi_doctor_v',
          type: 'gauge',
          help: 'v',
          samples: [
            { labels: { k: 'a' }, value: Number.NaN },
            { labels: { k: 'b' }, value: Number.POSITIVE_INFINITY },
            { labels: { k: 'c' }, value: Number.NEGATIVE_INFINITY },
          ],
        },
      ],
      'prometheus',
    );
    expect(out).toContain('{k="a"} NaN\n');
    expect(out).toContain('{k="b"} +Inf\n');
    expect(out).toContain('{k="c"} -Inf\n');
  });

  it('refuses our own mistakes: a name without the prefix, a counter named _total, a unit not in the name, a help with a quote', () => {
    const bad: MetricFamily[] = [
      { ...counter, name: 'accepted' },
      { ...counter, name: 'fcgi_doctor_accepted_total' },
      { ...timed, name: 'fcgi_doctor_last_run' },
      { ...timed, help: 'say "when"' },
    ];
    for (const f of bad) expect(() => formatMetrics([f], 'openmetrics')).toThrow();
    expect(() => formatMetrics([counter, counter], 'openmetrics')).toThrow(/twice/);
  });
});

describe('escapeLabelValue', () => {
  it('escapes backslash, double quote and newline; replaces other controls and lone surrogates', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('x\ry\u001b]0;t\u0007')).toBe('x\uFFFDy\uFFFD]0;t\uFFFD');
    expect(escapeLabelValue('a\ud800b')).toBe('a\uFFFDb');
    expect(escapeLabelValue('ok \u00e9 \u{1F600}')).toBe('ok \u00e9 \u{1F600}');
  });

  it('cuts a value past the limit', () => {
    expect(escapeLabelValue('x'.repeat(5000)).length).toBe(MAX_LABEL_VALUE_CHARS);
  });

  it('whatever a backend names its pool, the exposition keeps one sample per line and one label set', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (name) => {
        const out = formatMetrics(
          [{ name: 'fcgi_doctor_x', type: 'gauge', help: 'x', samples: [{ labels: { pool: name }, value: 1 }] }],
          'openmetrics',
        );
        const lines = out.split('\n');
        expect(lines).toHaveLength(5);
        // The value between the quotes, unescaped, is the name (with replacements only for controls).
        const m = /^fcgi_doctor_x\{pool="((?:[^"\\]|\\.)*)"\} 1$/.exec(lines[2] ?? '');
        expect(m).not.toBeNull();
        expect(lines[3]).toBe('# EOF');
      }),
    );
  });
});

describe('the reporters', () => {
  const finding = (id: Finding['id'], severity: Finding['severity']): Finding => ({
    id,
    severity,
    title: 't',
    message: 'm',
    evidence: [],
    fix: 'f',
  });

  it('findings counted by id and severity, every severity present', () => {
    const fams = findingFamilies(
      { command: 'check' },
      [finding('socket-missing', 'error'), finding('socket-missing', 'error'), finding('pool-busy', 'warning')],
      1,
    );
    const out = formatMetrics(fams, 'openmetrics');
    expect(out).toContain('fcgi_doctor_findings{command="check",id="socket-missing",severity="error"} 2\n');
    expect(out).toContain('fcgi_doctor_findings{command="check",id="pool-busy",severity="warning"} 1\n');
    expect(out).toContain('fcgi_doctor_findings_by_severity{command="check",severity="info"} 0\n');
    expect(out).toContain('fcgi_doctor_suppressed_findings{command="check"} 1\n');
  });

  it('check: up is 0 on exit status 2 (the configuration could not be read)', () => {
    const out = formatCheckMetrics({ target: '/x', findings: [], suppressed: 0, exitCode: 2, setups: 0, atMs: 1000 });
    expect(out).toContain('fcgi_doctor_up{command="check",target="/x"} 0\n');
    expect(out).toContain('fcgi_doctor_last_run_timestamp_seconds{command="check",target="/x"} 1\n');
  });

  const report = (over: Partial<StatusReport>): StatusReport => ({
    target: '127.0.0.1:9000',
    path: '/status',
    pathSource: 'pool-file',
    thresholds: [],
    healthy: true,
    findings: [],
    notes: [],
    ...over,
  });

  it('status: FPM counters as counters, high-water marks as gauges, the listen queue only where FPM measures it', () => {
    const status = {
      pool: 'www"\n',
      processManager: 'dynamic',
      startTime: 1700000000,
      startSince: 10,
      acceptedConn: 5,
      listenQueue: 1,
      maxListenQueue: 3,
      listenQueueLen: 511,
      idleProcesses: 2,
      activeProcesses: 1,
      totalProcesses: 3,
      maxActiveProcesses: 2,
      maxChildrenReached: 4,
      slowRequests: 0,
    };
    const derived = {
      busy: 0,
      busyPercent: 0,
      busyOf: 'max-children' as const,
      listenQueueMeasured: true,
      atMaxChildren: false,
      maxChildren: 8,
    };
    const om = formatStatusMetrics(report({ status, derived, responseMs: 4.1 }), { atMs: 0, phpVersion: '8.2' });
    const labels = 'command="status",pool="www\\"\\n",target="127.0.0.1:9000",php_version="8.2"';
    expect(om).toContain('# TYPE fcgi_doctor_fpm_max_children_reached counter\n');
    expect(om).toContain(`fcgi_doctor_fpm_max_children_reached_total{${labels}} 4\n`);
    expect(om).toContain('# TYPE fcgi_doctor_fpm_max_listen_queue gauge\n');
    expect(om).toContain('# TYPE fcgi_doctor_fpm_max_active_processes gauge\n');
    expect(om).toContain(`fcgi_doctor_fpm_listen_queue{${labels}} 1\n`);
    expect(om).toContain(`fcgi_doctor_fpm_max_children{${labels}} 8\n`);
    expect(om).toContain(`fcgi_doctor_status_read_duration_seconds{${labels}} 0.0041\n`);
    expect(om).toContain(`fcgi_doctor_up{${labels}} 1\n`);
    const unix = formatStatusMetrics(
      report({ target: '/run/php/fpm.sock', status, derived: { ...derived, listenQueueMeasured: false } }),
      { atMs: 0 },
    );
    expect(unix).not.toContain('listen_queue');
  });

  it('status: a pool that did not answer is up 0, with no figures', () => {
    const om = formatStatusMetrics(report({ healthy: false }), { atMs: 0 });
    expect(om).toContain('fcgi_doctor_up{command="status",target="127.0.0.1:9000"} 0\n');
    expect(om).not.toContain('fcgi_doctor_fpm_');
  });

  it('status --all: two pools of one name on two PHP versions are two label sets; a pool not asked only says so', () => {
    const row = (name: string, phpVersion: string, listen: string, statusPath?: string): PoolRow => ({
      pool: {
        id: `${name}@${phpVersion}`,
        name,
        phpVersion,
        config: `/etc/php/${phpVersion}/fpm/php-fpm.conf`,
        listen,
        facts: {
          name,
          file: `/etc/php/${phpVersion}/fpm/pool.d/${name}.conf`,
          line: 1,
          statusPathAt: 'x',
          maxChildren: 5,
          ...(statusPath ? { statusPath } : {}),
        },
        poolFile: { name, file: 'x', line: 1, settings: {}, lines: {} },
      },
      state: statusPath ? 'failing' : 'no-status-path',
      ...(statusPath ? { report: report({ target: listen, healthy: false }) } : {}),
    });
    const out = formatStatusAllMetrics(
      [row('www', '8.2', '/run/php/php8.2-fpm.sock', '/status'), row('www', '8.3', '/run/php/php8.3-fpm.sock')],
      { atMs: 0 },
    );
    expect(out).toContain(
      'fcgi_doctor_up{command="status",pool="www",target="/run/php/php8.2-fpm.sock",php_version="8.2"} 0\n',
    );
    expect(out).not.toMatch(/fcgi_doctor_up\{[^}]*8\.3/);
    expect(out).toContain(
      'fcgi_doctor_pool_status_path_configured{command="status",pool="www",target="/run/php/php8.3-fpm.sock",php_version="8.3"} 0\n',
    );
    expect(out.match(/^fcgi_doctor_fpm_max_children\{/gm)).toHaveLength(2);
  });
});
