/**
 * The status page is untrusted: whatever answers the status path may send
 * anything. A page is believed only when every value is what PHP-FPM writes
 * there (fpm_status.c: counts as whole numbers of 0 or more, names as strings,
 * total = idle + active, workers as objects with a pid); anything else is
 * `status-page-not-status` naming the field, and no threshold or probe is
 * judged on it. The cases of issue 12 first, then a real socket, then fuzzing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { findingForClientError } from '../../src/checks/request/outcome.js';
import type { FcgiResponse } from '../../src/client/request.js';
import { encodeEndRequest, encodeStream, RecordType } from '../../src/protocol/index.js';
import {
  evaluate,
  parseStatusJson,
  parseStatusPage,
  parseStatusText,
  readStatusPage,
  StatusParseError,
  valuePreview,
  type PoolStatus,
  type StatusRead,
  type WorkerStatus,
} from '../../src/status/index.js';
import { afterRequest, hostileServer, makeTempDir, type Hostile, type TempDir } from '../client/support.js';

const fixtureText = (name: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'php-fpm', name), 'utf8');
const IDLE = JSON.parse(fixtureText('status-tcp-dynamic-idle.json')) as Record<string, unknown> & {
  processes: Record<string, unknown>[];
};
const page = (changes: Record<string, unknown>) => JSON.stringify({ ...IDLE, ...changes });

/** The StatusParseError a parse throws (fails the test when it parses). */
function rejection(parse: () => unknown): StatusParseError {
  try {
    parse();
  } catch (err) {
    if (err instanceof StatusParseError) return err;
    throw err;
  }
  throw new Error('the page was accepted');
}

describe('a page with values PHP-FPM never writes is refused, naming the field', () => {
  it('every field an array (once read as pool "1,[object Object]")', () => {
    const arrays = Object.fromEntries(Object.entries(IDLE).map(([k, v]) => [k, [v, {}]]));
    const err = rejection(() => parseStatusJson(JSON.stringify(arrays)));
    expect(err.field).toBe('"pool"');
    expect(err.message).toBe('"pool" is ["www",{}], not a string');
  });

  it('"listen queue":[50] (once read as 0, so readiness passed)', () => {
    const err = rejection(() => parseStatusJson(page({ 'listen queue': [50] })));
    expect(err.field).toBe('"listen queue"');
    expect(err.message).toBe('"listen queue" is [50], not a whole number of 0 or more');
  });

  it('1e999 (once shown as "0 busy")', () => {
    const text = fixtureText('status-tcp-dynamic-idle.json').replace(
      '"active processes":1',
      '"active processes":1e999',
    );
    const err = rejection(() => parseStatusJson(text));
    expect(err.field).toBe('"active processes"');
    expect(err.message).toContain('is Infinity');
  });

  it('negative totals, fractions, numbers as strings, numbers past 2^53', () => {
    expect(
      rejection(() => parseStatusJson(page({ 'total processes': -2, 'idle processes': -3, 'active processes': 1 })))
        .field,
    ).toBe('"idle processes"');
    expect(rejection(() => parseStatusJson(page({ 'accepted conn': -1 }))).field).toBe('"accepted conn"');
    expect(rejection(() => parseStatusJson(page({ 'slow requests': 0.5 }))).field).toBe('"slow requests"');
    expect(rejection(() => parseStatusJson(page({ 'max children reached': '3' }))).field).toBe(
      '"max children reached"',
    );
    expect(rejection(() => parseStatusJson(page({ 'start since': 2 ** 60 }))).field).toBe('"start since"');
    expect(rejection(() => parseStatusJson(page({ 'listen queue len': null }))).field).toBe('"listen queue len"');
  });

  it('a total that is not idle + active, a process manager FPM does not have', () => {
    const err = rejection(() => parseStatusJson(page({ 'total processes': 9 })));
    expect(err.field).toBe('"total processes"');
    expect(err.message).toMatch(/"total processes" is 9, not "idle processes" 1 \+ "active processes" 1/);
    expect(rejection(() => parseStatusJson(page({ 'process manager': 'turbo' }))).message).toBe(
      '"process manager" is "turbo", not static, dynamic or ondemand',
    );
  });

  it('workers: a list of objects, each with a pid above 0 and figures of the right kind', () => {
    expect(rejection(() => parseStatusJson(page({ processes: 5 }))).field).toBe('"processes"');
    expect(rejection(() => parseStatusJson(page({ processes: [1] }))).field).toBe('"processes"[0]');
    const worker = IDLE.processes[0]!;
    expect(rejection(() => parseStatusJson(page({ processes: [{ ...worker, pid: 0 }] }))).field).toBe(
      '"processes"[0] "pid"',
    );
    expect(
      rejection(() => parseStatusJson(page({ processes: [worker, { ...worker, 'request uri': 42 }] }))).field,
    ).toBe('"processes"[1] "request uri"');
    const { pid: _pid, ...noPid } = worker;
    expect(rejection(() => parseStatusJson(page({ processes: [noPid] }))).field).toBe('"processes"[0] "pid"');
    expect(rejection(() => parseStatusJson(page({ processes: [{ ...worker, 'last request cpu': -1 }] }))).field).toBe(
      '"processes"[0] "last request cpu"',
    );
  });

  it('the plain page is held to the same rules', () => {
    const plain = fixtureText('status-tcp-dynamic-plain.txt');
    expect(
      rejection(() => parseStatusText(plain.replace(/^listen queue: +0$/m, 'listen queue:         -5'))).field,
    ).toBe('"listen queue"');
    expect(
      rejection(() => parseStatusText(plain.replace(/^idle processes: +1$/m, 'idle processes:       1e3'))).field,
    ).toBe('"idle processes"');
    expect(rejection(() => parseStatusText(plain.replace(/^pid: +15828$/m, 'pid:                  x'))).field).toBe(
      'worker 1 "pid"',
    );
    expect(
      rejection(() => parseStatusText(plain.replace(/^start time: .*$/m, 'start time: 99999999999999999999'))).field,
    ).toBe('"start time"');
  });

  it('a page that is not shaped like a status page at all is said to be that, not a bad field', () => {
    const err = rejection(() => parseStatusJson('{"processes": 5, "listen queue": [1]}'));
    expect(err.field).toBeUndefined();
    expect(err.message).toMatch(/^not a PHP-FPM status page: no "pool"/);
  });

  it('keys named like Object.prototype members are unknown keys, nothing more', () => {
    const text = `{"__proto__": {"pool": 1}, "constructor": [], "toString": 5, ${JSON.stringify(IDLE).slice(1)}`;
    expect(parseStatusJson(text)).toMatchObject({ pool: 'www', totalProcesses: 2 });
  });

  it('the value shown is short and printable, whatever the page holds', () => {
    expect(valuePreview('\u001b]0;pwned\u0007')).toBe('"\\u001b]0;pwned\\u0007"');
    expect(valuePreview('a\u009bb\u202e')).toBe('"a\\u009bb\\u202e"');
    expect(valuePreview('x'.repeat(500))).toHaveLength(41);
  });
});

describe('a bogus page from a real socket', () => {
  let server: Hostile | undefined;
  let dir: TempDir | undefined;
  afterEach(async () => {
    await server?.close();
    dir?.remove();
    server = undefined;
    dir = undefined;
  });

  /** A FastCGI server that answers every request with this body as application/json. */
  async function answering(body: string): Promise<string> {
    dir = makeTempDir('status-bogus');
    server = await hostileServer({ path: dir.join('fpm.sock') }, (socket) =>
      afterRequest(socket, (id) =>
        socket.end(
          Buffer.concat([
            ...encodeStream(RecordType.STDOUT, id, Buffer.from(`Content-Type: application/json\r\n\r\n${body}`)),
            encodeEndRequest(id, 0, 0),
          ]),
        ),
      ),
    );
    return server.address;
  }

  it('"listen queue":[50] fails readiness with status-page-not-status, the field in the evidence, no threshold judged', async () => {
    const sock = await answering(page({ 'listen queue': [50] }));
    const target = { kind: 'unix' as const, path: sock };
    const read = await readStatusPage(target, { path: '/status', timeoutMs: 2000 });
    expect(read).toMatchObject({
      kind: 'unreadable',
      reason: 'invalid',
      detail: '"listen queue" is [50], not a whole number of 0 or more',
    });
    const report = evaluate({
      target,
      where: sock,
      path: '/status',
      pathSource: 'default',
      probe: 'readiness',
      thresholds: { maxListenQueue: 0 },
      reads: [read],
      reasons: { target, path: '/status', describeClientError: findingForClientError },
    });
    expect(report.healthy).toBe(false);
    expect(report.probe).toMatchObject({ kind: 'readiness', passed: false });
    expect(report.thresholds).toEqual([]);
    expect(report.status).toBeUndefined();
    expect(report.findings).toHaveLength(1);
    const f = report.findings[0]!;
    expect(f).toMatchObject({ id: 'status-page-not-status', severity: 'error' });
    expect(f.evidence[0]?.text).toBe(
      `${sock}: GET /status?json&full answered 200: "listen queue" is [50], not a whole number of 0 or more`,
    );
  });

  it('a control sequence where a count belongs reaches the finding escaped', async () => {
    const sock = await answering(page({ 'idle processes': '\u001b[2J\u009b' }));
    const read = await readStatusPage({ kind: 'unix', path: sock }, { path: '/status', timeoutMs: 2000 });
    expect(read.kind === 'unreadable' && read.detail).toBe(
      '"idle processes" is "\\u001b[2J\\u009b", not a whole number of 0 or more',
    );
  });

  it('a real page passes through the same socket', async () => {
    const sock = await answering(fixtureText('status-tcp-dynamic-idle.json'));
    const read = await readStatusPage({ kind: 'unix', path: sock }, { path: '/status', timeoutMs: 2000 });
    expect(read.kind).toBe('ok');
  });
});

// ---- fuzzing ----

const COUNT_KEYS: Array<[string, keyof PoolStatus]> = [
  ['start time', 'startTime'],
  ['start since', 'startSince'],
  ['accepted conn', 'acceptedConn'],
  ['listen queue', 'listenQueue'],
  ['max listen queue', 'maxListenQueue'],
  ['listen queue len', 'listenQueueLen'],
  ['max active processes', 'maxActiveProcesses'],
  ['max children reached', 'maxChildrenReached'],
  ['slow requests', 'slowRequests'],
];
const WORKER_COUNTS: Array<[string, keyof WorkerStatus]> = [
  ['start since', 'startSince'],
  ['requests', 'requests'],
  ['request duration', 'requestDurationUs'],
  ['content length', 'contentLength'],
  ['last request memory', 'lastRequestMemory'],
];
const WORKER_STRINGS: Array<[string, keyof WorkerStatus]> = [
  ['state', 'state'],
  ['request method', 'requestMethod'],
  ['request uri', 'requestUri'],
  ['user', 'user'],
  ['script', 'script'],
];

const isCount = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** What every accepted page must hold: the invariants the reporters and thresholds rely on. */
function expectSane(s: PoolStatus): void {
  expect(typeof s.pool).toBe('string');
  expect(['static', 'dynamic', 'ondemand']).toContain(s.processManager);
  for (const [, k] of [...COUNT_KEYS, ['', 'idleProcesses'], ['', 'activeProcesses'], ['', 'totalProcesses']] as Array<
    [string, keyof PoolStatus]
  >)
    expect(isCount(s[k]), k).toBe(true);
  expect(s.idleProcesses + s.activeProcesses).toBe(s.totalProcesses);
  for (const w of s.processes ?? []) {
    expect(isCount(w.pid) && w.pid > 0).toBe(true);
    for (const [, k] of WORKER_COUNTS) expect(isCount(w[k]), k).toBe(true);
    for (const [, k] of WORKER_STRINGS) expect(typeof w[k]).toBe('string');
    expect(Number.isFinite(w.lastRequestCpu) && w.lastRequestCpu >= 0).toBe(true);
  }
}

/** Parses, or throws StatusParseError; anything else (a TypeError, a RangeError) fails the property. */
function parseOrRefuse(text: string): PoolStatus | undefined {
  try {
    return parseStatusPage(text).status;
  } catch (err) {
    if (err instanceof StatusParseError) return undefined;
    throw err;
  }
}

const validWorker = fc.record({
  pid: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  state: fc.constantFrom('Idle', 'Running', 'Reading headers', 'Finishing'),
  'start since': fc.nat(),
  requests: fc.nat(),
  'request duration': fc.nat(),
  'request method': fc.string(),
  'request uri': fc.string(),
  'content length': fc.nat(),
  user: fc.string(),
  script: fc.string(),
  'last request cpu': fc.double({ min: 0, max: 1e6, noNaN: true }),
  'last request memory': fc.nat(),
});

const validPage = fc
  .record({
    pool: fc.string(),
    'process manager': fc.constantFrom('static', 'dynamic', 'ondemand'),
    idle: fc.nat({ max: 1000 }),
    active: fc.nat({ max: 1000 }),
    counts: fc.tuple(...COUNT_KEYS.map(() => fc.maxSafeNat())),
    processes: fc.option(fc.array(validWorker, { maxLength: 5 }), { nil: undefined }),
  })
  .map(({ idle, active, counts, processes, ...rest }) => ({
    ...rest,
    ...Object.fromEntries(COUNT_KEYS.map(([key], i) => [key, counts[i]])),
    'idle processes': idle,
    'active processes': active,
    'total processes': idle + active,
    ...(processes ? { processes } : {}),
  }));

/** A value no PHP-FPM writes where a count belongs. */
const bogusCount = fc.oneof(
  fc.integer({ max: -1 }),
  fc.double({ noInteger: true }),
  fc.constantFrom(Infinity, -Infinity, 2 ** 53, 1e300),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.nat(), { maxKeys: 2 }),
);

describe('fuzzing the validator', () => {
  it('no text crashes it: it parses to sane figures or refuses with StatusParseError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v) ?? ''),
        ),
        (text) => {
          const s = parseOrRefuse(text);
          if (s) expectSane(s);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a page with the pool keys and any JSON values: accepted only when every value is what FPM writes, and then unchanged', () => {
    const keys = [
      'pool',
      'process manager',
      'idle processes',
      'active processes',
      'total processes',
      'accepted conn',
      ...COUNT_KEYS.map(([k]) => k),
      'processes',
    ];
    const anyPage = fc.record(
      Object.fromEntries(keys.map((k) => [k, fc.oneof(fc.jsonValue(), bogusCount, fc.nat({ max: 3 }))])) as Record<
        string,
        fc.Arbitrary<unknown>
      >,
    );
    fc.assert(
      fc.property(anyPage, (obj) => {
        const s = parseOrRefuse(JSON.stringify(obj));
        if (!s) return;
        expectSane(s);
        // Nothing coerced: what was accepted is what the page said.
        expect(s.pool).toBe(obj.pool);
        for (const [key, name] of COUNT_KEYS) expect(s[name]).toBe(obj[key]);
        expect(s.totalProcesses).toBe(obj['total processes']);
      }),
      { numRuns: 1000 },
    );
  });

  it('every valid page parses, figures as sent', () => {
    fc.assert(
      fc.property(validPage, (obj) => {
        const s = parseStatusJson(JSON.stringify(obj));
        expectSane(s);
        expect(s.pool).toBe(obj.pool);
        for (const [key, name] of COUNT_KEYS) expect(s[name]).toBe((obj as Record<string, unknown>)[key]);
        expect(s.processes?.length).toBe(obj.processes?.length);
      }),
      { numRuns: 300 },
    );
  });

  it('one bogus value in a valid page is refused, and the error names that field', () => {
    const poolCounts = [
      ...COUNT_KEYS.map(([k]) => k),
      'accepted conn',
      'idle processes',
      'active processes',
      'total processes',
    ];
    fc.assert(
      fc.property(validPage, fc.constantFrom(...poolCounts), bogusCount, (obj, key, bad) => {
        const err = rejection(() => parseStatusJson(JSON.stringify({ ...obj, [key]: bad })));
        // JSON has no Infinity: it goes out as null, refused all the same.
        expect(err.field).toBe(`"${key}"`);
      }),
      { numRuns: 500 },
    );
  });

  it('one bogus value in a worker is refused, naming the worker and the field', () => {
    fc.assert(
      fc.property(
        validPage,
        validWorker,
        fc.constantFrom(...WORKER_COUNTS.map(([k]) => k), 'pid'),
        bogusCount,
        (obj, w, key, bad) => {
          const processes = [...(obj.processes ?? []), { ...w, [key]: bad }];
          const err = rejection(() => parseStatusJson(JSON.stringify({ ...obj, processes })));
          expect(err.field).toBe(`"processes"[${processes.length - 1}] "${key}"`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the plain page: any value on any known line parses to sane figures or is refused', () => {
    const known = [
      'pool',
      'process manager',
      'accepted conn',
      'idle processes',
      'active processes',
      'total processes',
      ...COUNT_KEYS.map(([k]) => k),
    ];
    const line = fc.tuple(
      fc.constantFrom(...known),
      fc.oneof(
        fc.string(),
        fc.nat().map(String),
        fc.integer().map(String),
        fc.double().map(String),
        fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
      ),
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(line, { maxLength: 6 }),
        fc.array(fc.string(), { maxLength: 3 }),
        (fromRealPage, lines, workers) => {
          // On top of a real page's head (a later line wins) the values reach the checks; alone, mostly the shape is tested.
          const head = fromRealPage
            ? fixtureText('status-tcp-dynamic-plain.txt').split(/^\*+$/m)[0]!.trimEnd().split('\n')
            : [];
          const text = [
            ...head,
            ...lines.map(([k, v]) => `${k}: ${v}`),
            ...workers.map((w) => `\n************************\npid: ${w}\n`),
          ].join('\n');
          const s = parseOrRefuse(text);
          if (s) expectSane(s);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('judging any valid page gives finite figures and words without NaN, Infinity or [object Object]', () => {
    fc.assert(
      fc.property(validPage, (obj) => {
        const status = parseStatusJson(JSON.stringify(obj));
        const response = {
          status: 200,
          statusText: 'OK',
          headers: [],
          body: Buffer.alloc(0),
          problems: [],
          stderr: '',
          raw: {},
          timings: { connectMs: 1, firstByteMs: 1, totalMs: 1 },
        } as unknown as FcgiResponse;
        const read: StatusRead = { kind: 'ok', status, format: 'json', response, atMs: 0, elapsedMs: 1 };
        const target = { kind: 'tcp' as const, host: '127.0.0.1', port: 9000 };
        const r = evaluate({
          target,
          where: '127.0.0.1:9000',
          path: '/status',
          pathSource: 'default',
          thresholds: { minIdle: 1, maxListenQueue: 0, maxBusyPercent: 50 },
          reads: [read],
          reasons: { target, path: '/status', describeClientError: findingForClientError },
        });
        for (const t of r.thresholds)
          if (t.actual !== undefined) expect(Number.isFinite(t.actual) && t.actual >= 0).toBe(true);
        expect(JSON.stringify(r.findings)).not.toMatch(/NaN|Infinity|undefined|\[object Object\]/);
      }),
      { numRuns: 200 },
    );
  });
});
