import { describe, expect, it } from 'vitest';
import { parseCgiResponse } from '../../src/client/cgiResponse.js';
import { evaluateExpectations } from '../../src/client/expectations.js';

const response = (text: string) => parseCgiResponse(Buffer.from(text));
const ok = response('Status: 200 OK\r\nContent-Type: text/plain\r\nX-Version: 1.4.2\r\n\r\npong\n');

describe('evaluateExpectations', () => {
  it('without --expect-status holds for 2xx and 3xx only', () => {
    for (const [status, held] of [
      [200, true],
      [204, true],
      [302, true],
      [399, true],
      [199, false],
      [400, false],
      [404, false],
      [500, false],
    ] as const) {
      const [result] = evaluateExpectations(response(`Status: ${status}\r\n\r\n`), {});
      expect(result, String(status)).toEqual({ what: 'status 2xx or 3xx', held, actual: `status ${status}` });
    }
  });

  it('does not hold for a response with no status (malformed output)', () => {
    const [result] = evaluateExpectations(parseCgiResponse(Buffer.alloc(0)), {});
    expect(result!.held).toBe(false);
    expect(result!.actual).toBe('status 0');
  });

  it('with --expect-status holds only for the listed statuses', () => {
    expect(evaluateExpectations(response('Status: 404\r\n\r\n'), { status: [404] })[0]).toEqual({
      what: 'status 404',
      held: true,
      actual: 'status 404',
    });
    expect(evaluateExpectations(ok, { status: [404, 410] })[0]).toEqual({
      what: 'status 404 or 410',
      held: false,
      actual: 'status 200',
    });
  });

  it('checks the body against a regular expression', () => {
    const [, held] = evaluateExpectations(ok, { body: /^pong$/m });
    expect(held).toEqual({ what: 'body matches /^pong$/', held: true, actual: 'body "pong\\n"' });
    const [, missed] = evaluateExpectations(ok, { body: /ready/ });
    expect(missed!.held).toBe(false);
    expect(missed!.what).toBe('body matches /ready/');
  });

  it('shortens a long body in what it reports', () => {
    const long = response(`Content-Type: text/plain\r\n\r\n${'x'.repeat(500)}`);
    const [, result] = evaluateExpectations(long, { body: /y/ });
    expect(result!.actual).toBe(`body ${JSON.stringify(`${'x'.repeat(120)}…`)}`);
  });

  it('checks headers by name, case-insensitively', () => {
    const results = evaluateExpectations(ok, {
      headers: [
        { name: 'x-version', pattern: /^1\.4\./ },
        { name: 'Content-Type', pattern: /json/ },
        { name: 'X-Missing', pattern: /.*/ },
      ],
    });
    expect(results.slice(1)).toEqual([
      { what: 'header x-version matches /^1\\.4\\./', held: true, actual: 'x-version: 1.4.2' },
      { what: 'header Content-Type matches /json/', held: false, actual: 'Content-Type: text/plain' },
      { what: 'header X-Missing matches /.*/', held: false, actual: 'no X-Missing header' },
    ]);
  });

  it('lists the status first, then the body, then each header', () => {
    const results = evaluateExpectations(ok, {
      status: [200],
      body: /pong/,
      headers: [{ name: 'X-Version', pattern: /1/ }],
    });
    expect(results.map((r) => r.what)).toEqual(['status 200', 'body matches /pong/', 'header X-Version matches /1/']);
    expect(results.every((r) => r.held)).toBe(true);
  });
});
