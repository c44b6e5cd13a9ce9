/**
 * The HTTP side of `status --serve-metrics` (src/cli/serveMetrics.ts) with a
 * stand-in scrape: one route, one method, the format Prometheus asks for, the
 * deadline Prometheus announces, and nothing shared between two scrapes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseListenAddress,
  scrapeTimeoutMs,
  startMetricsServer,
  wantsOpenMetrics,
  type RunningMetricsServer,
  type ScrapeMetrics,
} from '../../src/cli/serveMetrics.js';
import type { MetricFamily } from '../../src/report/metrics.js';
import { captureIO } from '../client/support.js';

const family = (value: number): MetricFamily[] => [
  { name: 'fcgi_doctor_up', type: 'gauge', help: 'up', samples: [{ labels: { pool: 'www' }, value }] },
];

let running: RunningMetricsServer | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function serve(scrape: ScrapeMetrics, maxInFlight?: number) {
  running = await startMetricsServer(
    { address: { host: '127.0.0.1', port: 0 }, timeoutMs: 3000, scrape, ...(maxInFlight ? { maxInFlight } : {}) },
    captureIO(),
  );
  return running.url;
}

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

describe('status --serve-metrics: the endpoint', () => {
  it('answers GET /metrics in OpenMetrics when asked as Prometheus asks, else in the text format 0.0.4', async () => {
    const url = await serve(async () => family(1));
    const om = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(om.status).toBe(200);
    expect(om.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(await om.text()).toMatch(/fcgi_doctor_up\{pool="www"\} 1\n# EOF\n$/);
    const text = await fetch(`${url}?x=1`);
    expect(text.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await text.text()).not.toContain('# EOF');
  });

  it('404 for every other path, 405 (Allow: GET, HEAD) for other methods, HEAD without a body', async () => {
    let scrapes = 0;
    const url = await serve(async () => {
      scrapes++;
      return family(1);
    });
    const base = url.replace(/\/metrics$/, '');
    for (const path of ['/', '/metrics/', '/status', '/Metrics', '/metrics%00', '/metricsx'])
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const r = await fetch(url, { method });
      expect(r.status, method).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
    expect(scrapes).toBe(0);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('each scrape reads afresh within the deadline Prometheus announces, and scrapes at once share nothing', async () => {
    const seen: number[] = [];
    let n = 0;
    const url = await serve(async (timeoutMs) => {
      seen.push(timeoutMs);
      const mine = ++n;
      await new Promise((r) => setTimeout(r, 50));
      return family(mine);
    });
    const bodies = await Promise.all(
      [1, 2, 3].map(() =>
        fetch(url, { headers: { 'x-prometheus-scrape-timeout-seconds': '1.5' } }).then((r) => r.text()),
      ),
    );
    expect(new Set(bodies).size).toBe(3);
    expect(seen).toEqual([1350, 1350, 1350]);
  });

  it('beyond the scrapes allowed at once: 503, the others still answered', async () => {
    const url = await serve(async () => {
      await new Promise((r) => setTimeout(r, 200));
      return family(1);
    }, 2);
    const codes = await Promise.all([1, 2, 3].map(() => fetch(url).then((r) => r.status)));
    expect(codes.sort()).toEqual([200, 200, 503]);
  });

  it('a scrape that throws (a bug of ours) is a 500, and the server goes on', async () => {
    let fail = true;
    const io = captureIO();
    running = await startMetricsServer(
      {
        address: { host: '127.0.0.1', port: 0 },
        timeoutMs: 1000,
        scrape: async () => {
          if (fail) throw new Error('boom\u001b[2J');
          return family(1);
        },
      },
      io,
    );
    expect((await fetch(running.url)).status).toBe(500);
    expect(io.stderrText).toContain('boom\\e[2J');
    fail = false;
    expect((await fetch(running.url)).status).toBe(200);
  });

  it('an address in use is a usage error naming it', async () => {
    const url = await serve(async () => family(1));
    const port = Number(new URL(url).port);
    await expect(
      startMetricsServer(
        { address: { host: '127.0.0.1', port }, timeoutMs: 1000, scrape: async () => [] },
        captureIO(),
      ),
    ).rejects.toThrow(/127\.0\.0\.1:\d+: the address is in use/);
  });
});

describe('parsing', () => {
  it('an address: a bare port is loopback', () => {
    expect(parseListenAddress('9253')).toEqual({ host: '127.0.0.1', port: 9253 });
    expect(parseListenAddress(':9253')).toEqual({ host: '127.0.0.1', port: 9253 });
    expect(parseListenAddress('0.0.0.0:9253')).toEqual({ host: '0.0.0.0', port: 9253 });
    expect(parseListenAddress('[::1]:9253')).toEqual({ host: '::1', port: 9253 });
    expect(parseListenAddress('localhost:1')).toEqual({ host: 'localhost', port: 1 });
    for (const bad of ['', 'x', '1.2.3.4', '1.2.3.4:99999', 'http://x:1', '[::1]', 'a b:1'])
      expect(() => parseListenAddress(bad), bad).toThrow(/--serve-metrics takes/);
  });

  it('Accept: OpenMetrics only when preferred to the text format', () => {
    expect(wantsOpenMetrics(PROMETHEUS_ACCEPT)).toBe(true);
    expect(wantsOpenMetrics(undefined)).toBe(false);
    expect(wantsOpenMetrics('*/*')).toBe(false);
    expect(wantsOpenMetrics('text/plain;version=0.0.4')).toBe(false);
    expect(wantsOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
    expect(wantsOpenMetrics('text/plain, application/openmetrics-text;q=0.5')).toBe(false);
  });

  it('the deadline of a pool: --timeout, or less when the scrape announces less', () => {
    expect(scrapeTimeoutMs(undefined, 3000)).toBe(3000);
    expect(scrapeTimeoutMs('10', 3000)).toBe(3000);
    expect(scrapeTimeoutMs('1', 3000)).toBe(900);
    expect(scrapeTimeoutMs('0.05', 3000)).toBe(50);
    expect(scrapeTimeoutMs('nonsense', 3000)).toBe(3000);
  });
});
