import { describe, expect, it } from 'vitest';
import { headerValue, MAX_HEADER_BLOCK, parseCgiResponse } from '../../src/client/cgiResponse.js';

const parse = (text: string | Buffer) => parseCgiResponse(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));

describe('parseCgiResponse', () => {
  it('reads Status, the headers and the body (CRLF)', () => {
    const r = parse(
      'Status: 404 Not Found\r\nContent-Type: text/html\r\nX-Powered-By: PHP/8.2\r\n\r\nFile not found.\n',
    );
    expect(r.status).toBe(404);
    expect(r.statusText).toBe('Not Found');
    expect(r.headers).toEqual([
      ['Content-Type', 'text/html'],
      ['X-Powered-By', 'PHP/8.2'],
    ]);
    expect(r.body.toString()).toBe('File not found.\n');
    expect(r.problems).toEqual([]);
  });

  it('defaults to 200 OK without a Status header (LF only)', () => {
    const r = parse('Content-type: text/plain\n\nhello');
    expect(r.status).toBe(200);
    expect(r.statusText).toBe('OK');
    expect(r.headers).toEqual([['Content-type', 'text/plain']]);
    expect(r.body.toString()).toBe('hello');
    expect(r.problems).toEqual([]);
  });

  it('takes a Status with no reason phrase, in any case', () => {
    const r = parse('status: 503\r\n\r\n');
    expect(r.status).toBe(503);
    expect(r.statusText).toBe('');
    expect(r.headers).toEqual([]);
    expect(r.body.length).toBe(0);
  });

  it('accepts a header block ended by LF then CRLF', () => {
    const r = parse('A: 1\n\r\nbody');
    expect(r.headers).toEqual([['A', '1']]);
    expect(r.body.toString()).toBe('body');
  });

  it('keeps colons in values and trims the space around them', () => {
    const r = parse('Link:   <http://a/b>; rel="x"  \r\nSet-Cookie: a=b:c\r\n\r\n');
    expect(r.headers).toEqual([
      ['Link', '<http://a/b>; rel="x"'],
      ['Set-Cookie', 'a=b:c'],
    ]);
  });

  it('keeps the body byte for byte, blank lines and binary included', () => {
    const body = Buffer.from([0, 1, 2, 0x0a, 0x0a, 0x0d, 0x0a, 0xff, 0xfe]);
    const r = parse(Buffer.concat([Buffer.from('Content-Type: application/octet-stream\r\n\r\n'), body]));
    expect(r.body.equals(body)).toBe(true);
    expect(r.problems).toEqual([]);
  });

  it('makes a Location without Status a 302 redirect', () => {
    const r = parse('Location: /login\r\n\r\n');
    expect(r.status).toBe(302);
    expect(r.statusText).toBe('Found');
    expect(headerValue(r, 'location')).toBe('/login');
  });

  it('lets an explicit Status win over the Location rule, before or after it', () => {
    expect(parse('Location: /x\r\nStatus: 301 Moved Permanently\r\n\r\n').status).toBe(301);
    expect(parse('Status: 307\r\nLocation: /x\r\n\r\n').status).toBe(307);
  });

  it('reports no output at all', () => {
    const r = parse('');
    expect(r.status).toBe(0);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/no output at all.*End of script output before headers/);
  });

  it('reports output without the blank line that ends the headers, keeping it as the body', () => {
    const r = parse('Content-Type: text/html\r\n<html>oops');
    expect(r.status).toBe(0);
    expect(r.problems[0]).toMatch(/no blank line ending the headers/);
    expect(r.body.toString()).toBe('Content-Type: text/html\r\n<html>oops');
  });

  it('gives up on a header block over the limit instead of scanning it all', () => {
    const line = `X-Filler: ${'a'.repeat(1000)}\r\n`;
    const huge = Buffer.from(`${line.repeat(Math.ceil((1024 * 1024) / line.length))}\r\nbody`);
    expect(huge.length).toBeGreaterThan(MAX_HEADER_BLOCK);
    const r = parse(huge);
    expect(r.status).toBe(0);
    expect(r.problems).toEqual([`no end of headers in the first ${MAX_HEADER_BLOCK / 1024} KiB of output`]);
  });

  it('accepts a header block just under the limit', () => {
    const block = `X-Big: ${'b'.repeat(MAX_HEADER_BLOCK - 20)}\r\n\r\n`;
    const r = parse(`${block}ok`);
    expect(r.problems).toEqual([]);
    expect(r.body.toString()).toBe('ok');
  });

  it('reports malformed lines, names and Status values as Apache would refuse them', () => {
    const r = parse(
      'Content-Type: text/html\r\nthis is not a header\r\nBad Name: x\r\nStatus: abc\r\n: empty\r\n\r\nbody',
    );
    expect(r.headers).toEqual([['Content-Type', 'text/html']]);
    expect(r.problems).toEqual([
      'malformed header line: "this is not a header"',
      'malformed header name: "Bad Name"',
      'malformed Status header: "abc"',
      'malformed header line: ": empty"',
    ]);
    expect(r.status).toBe(200);
  });

  it("is well-formed for PHP-FPM's ping page", () => {
    const r = parse(
      'Content-type: text/plain;charset=UTF-8\r\nExpires: Thu, 01 Jan 1970 00:00:00 GMT\r\nCache-Control: no-cache, no-store, must-revalidate, max-age=0\r\n\r\npong',
    );
    expect(r.problems).toEqual([]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('pong');
  });
});

describe('headerValue', () => {
  it('finds the first header of a name, case-insensitively', () => {
    const r = parse('X-A: 1\r\nx-a: 2\r\n\r\n');
    expect(headerValue(r, 'X-a')).toBe('1');
    expect(headerValue(r, 'X-B')).toBeUndefined();
  });
});

describe('parseCgiResponse: a blank first line', () => {
  it('takes it as an empty header block, the rest as the body', () => {
    for (const out of ['\r\nbody', '\nbody']) {
      const r = parseCgiResponse(Buffer.from(out));
      expect(r.problems).toEqual([]);
      expect(r.status).toBe(200);
      expect(r.headers).toEqual([]);
      expect(r.body.toString()).toBe('body');
    }
  });
});
