import { describe, expect, it } from 'vitest';
import type { FcgiResponse } from '../../src/client/request.js';
import { pingJsonExtras } from '../../src/report/pingJson.js';

function response(body: Buffer, headers: Array<[string, string]>): FcgiResponse {
  return {
    status: 200,
    statusText: 'OK',
    headers,
    body,
    problems: [],
    stderr: 'a notice\n',
    raw: { protocolStatusName: 'REQUEST_COMPLETE', appStatus: 0, stderrDropped: 0 },
    timings: { connectMs: 1, firstByteMs: 2, totalMs: 3 },
  } as unknown as FcgiResponse;
}

describe("pingJsonExtras: ping's additions to the JSON envelope", () => {
  it('headers as an object (a repeated one joined), a UTF-8 body as text, the record statuses', () => {
    const x = pingJsonExtras({
      target: 'unix:/run/a.sock',
      findings: [],
      expectations: [],
      response: response(Buffer.from('héllo'), [
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['Content-Type', 'text/plain'],
      ]),
    });
    expect(x.response).toMatchObject({
      status: 200,
      headers: { 'Set-Cookie': 'a=1, b=2', 'Content-Type': 'text/plain' },
      body: 'héllo',
      bodyEncoding: 'utf8',
      stderr: 'a notice\n',
      appStatus: 0,
      protocolStatus: 'REQUEST_COMPLETE',
    });
    expect(x).not.toHaveProperty('load');
    expect(x).not.toHaveProperty('values');
  });
  it('a body that is not UTF-8 goes as base64; load figures without the failure list; management values as an object', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const x = pingJsonExtras({
      target: '127.0.0.1:9000',
      findings: [],
      expectations: [],
      response: response(bytes, []),
      load: {
        count: 10,
        concurrency: 2,
        completed: 9,
        failed: 1,
        requestsPerSecond: 100,
        elapsedMs: 100,
        latencyMs: { min: 1, median: 2, p99: 3, max: 4 },
        failures: [{ message: 'x', count: 1 }],
      },
      managementValues: new Map([['FCGI_MAX_CONNS', '5']]),
    });
    expect(x.response).toMatchObject({ body: bytes.toString('base64'), bodyEncoding: 'base64' });
    expect(x.load).toEqual({
      count: 10,
      concurrency: 2,
      completed: 9,
      failed: 1,
      requestsPerSecond: 100,
      latencyMs: { min: 1, median: 2, p99: 3, max: 4 },
    });
    expect(x.values).toEqual({ FCGI_MAX_CONNS: '5' });
  });
});
