/**
 * `status --serve-metrics ADDRESS`: a small HTTP endpoint for Prometheus. GET
 * /metrics reads every pool afresh (status --all's discovery, or the pools
 * named) and answers their figures; nothing else is served (404), no other
 * method is taken (405), nothing is written. Each scrape builds its own
 * state: two scrapes at once share nothing but the read-only settings.
 *
 * The exposition follows the Accept header, as Prometheus negotiates it
 * (prometheus scrape/scrape.go, scrapeAcceptHeader; the parser is chosen by the
 * answer's Content-Type, pkg/textparse/interface.go New): OpenMetrics when
 * the client takes it, else the Prometheus text format 0.0.4.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  formatMetrics,
  type MetricFamily,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
} from '../report/metrics.js';
import { escapeOneLine } from '../report/escape.js';
import { UsageError, type CliIO } from './io.js';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * "127.0.0.1:9253", "[::1]:9253", "0.0.0.0:9253"; a bare port (":9253" or
 * "9253") is bound to loopback: reaching the endpoint from elsewhere takes an
 * address that says so.
 */
export function parseListenAddress(text: string): ListenAddress {
  const m =
    /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535))
    throw new UsageError(`--serve-metrics takes HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:9253), not "${text}"`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

/** Does the client take OpenMetrics, and prefer it to the Prometheus text format? (RFC 9110 12.5.1 q-values) */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let om = 0;
  let text = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!(q >= 0 && q <= 1)) continue;
    if (type === 'application/openmetrics-text') om = Math.max(om, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

/**
 * What a scrape reads: the families of every pool, each pool read within
 * timeoutMs. Called once per scrape; must not keep state between calls.
 */
export type ScrapeMetrics = (timeoutMs: number) => Promise<MetricFamily[]>;

export interface MetricsServerOptions {
  address: ListenAddress;
  /** --timeout: the most one pool's read may take */
  timeoutMs: number;
  scrape: ScrapeMetrics;
  /** scrapes answered at once; beyond, 503 (each scrape opens a socket per pool) */
  maxInFlight?: number;
}

/** Prometheus says how long it waits (X-Prometheus-Scrape-Timeout-Seconds): a pool's read ends in time for the answer to reach it. */
export function scrapeTimeoutMs(header: string | string[] | undefined, timeoutMs: number): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (!(seconds > 0)) return timeoutMs;
  // A quarter of a second (at most a tenth of the budget) to build and send the answer.
  const budget = seconds * 1000;
  return Math.max(50, Math.min(timeoutMs, Math.round(budget - Math.min(250, budget / 10))));
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

export interface RunningMetricsServer {
  /** where it listens (the port chosen, when 0 was asked) */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions, io: CliIO): Promise<RunningMetricsServer> {
  const maxInFlight = opts.maxInFlight ?? 8;
  let inFlight = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return plain(res, 404, 'Not found: fcgi-doctor serves /metrics only');
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return plain(res, 405, 'Method not allowed: GET /metrics', { allow: 'GET, HEAD' });
    if (inFlight >= maxInFlight) return plain(res, 503, 'Too many scrapes at once', { 'retry-after': '1' });
    inFlight++;
    const om = wantsOpenMetrics(req.headers.accept);
    const timeoutMs = scrapeTimeoutMs(req.headers['x-prometheus-scrape-timeout-seconds'], opts.timeoutMs);
    opts
      .scrape(timeoutMs)
      .then(
        (families) => {
          const body = formatMetrics(families, om ? 'openmetrics' : 'prometheus');
          res.writeHead(200, {
            'content-type': om ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_TEXT_CONTENT_TYPE,
            'content-length': String(Buffer.byteLength(body)),
          });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          // A bug of ours: the scrape fails (Prometheus sets up to 0) and says why, once, on stderr.
          io.stderr(
            `fcgi-doctor: internal error during a scrape: ${escapeOneLine((err as Error)?.message ?? String(err))}\n`,
          );
          plain(res, 500, 'fcgi-doctor failed to read the pools (see its standard error)');
        },
      )
      .finally(() => {
        inFlight--;
      });
  };
  const server = createServer(handle);
  // A client that opens a connection and sends nothing must not hold it for ever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why =
        err.code === 'EADDRINUSE'
          ? 'the address is in use'
          : err.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no interface of this machine has that address'
              : err.message;
      reject(new UsageError(`--serve-metrics ${opts.address.host}:${opts.address.port}: ${why}`));
    });
    server.listen(opts.address.port, opts.address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : opts.address.port;
  const host = opts.address.host.includes(':') ? `[${opts.address.host}]` : opts.address.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Serves until SIGTERM or SIGINT, then closes every connection and returns 0. */
export async function runMetricsServer(opts: MetricsServerOptions, io: CliIO, what: string): Promise<number> {
  // Handlers before the start-up line: whoever waits for the line may signal at once.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  for (const s of STOP_SIGNALS) process.once(s, stop);
  try {
    const running = await startMetricsServer(opts, io);
    io.stderr(`fcgi-doctor: serving the metrics of ${what} at ${running.url} (pid ${process.pid}); Ctrl-C stops\n`);
    await stopped;
    await running.close();
    return 0;
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stop);
  }
}
