/** What a browser gets from mod_proxy_fcgi for each kind of backend answer (httpd 2.4 source, see apacheAnswer.ts). */
import { describe, expect, it } from 'vitest';
import { apacheAnswerForClientError, apacheAnswerForResponse } from '../../../src/checks/request/apacheAnswer.js';
import { FcgiClientError } from '../../../src/client/errors.js';
import { answer } from '../../report/routeSupport.js';

describe('the HTTP status Apache sends for a CGI answer', () => {
  it('Status: 404 → 404', () => {
    expect(apacheAnswerForResponse(answer('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\nno')).status).toBe(
      404,
    );
  });
  it('no Status → 200, with the Content-Type', () => {
    const a = apacheAnswerForResponse(answer('Content-Type: text/plain\r\n\r\nhello'));
    expect(a).toMatchObject({ status: 200, contentType: 'text/plain' });
  });
  it('Location with no Status → 200 under mod_proxy_fcgi (observed on 2.4.71; mod_cgi would send 302)', () => {
    expect(apacheAnswerForResponse(answer('Location: http://example.org/\r\n\r\n'))).toMatchObject({
      status: 200,
      location: 'http://example.org/',
    });
  });
  it('Location with a Status keeps the Status', () => {
    expect(apacheAnswerForResponse(answer('Status: 301\r\nLocation: /new\r\n\r\n')).status).toBe(301);
  });
  it('no output at all, or no end of headers → an empty 200 (read from the source)', () => {
    expect(apacheAnswerForResponse(answer('')).status).toBe(200);
    expect(apacheAnswerForResponse(answer('Content-Type: text/plain\r\n')).status).toBe(200);
    expect(apacheAnswerForResponse(answer('')).basis).toBe('observed');
  });
  it('a malformed header line → 500', () => {
    const r = answer('this is not a header\r\n\r\nbody');
    if (r.problems.length === 0) return; // the parser accepts it: nothing to map
    expect(apacheAnswerForResponse(r).status).toBe(500);
  });
  it('a failed connection → 503, a timeout → 504', () => {
    expect(
      apacheAnswerForClientError(new FcgiClientError('connect-missing', 'no socket', { phase: 'connect' })).status,
    ).toBe(503);
    expect(apacheAnswerForClientError(new FcgiClientError('closed-early', 'closed')).status).toBe(503);
    expect(apacheAnswerForClientError(new FcgiClientError('timeout', 'too slow')).status).toBe(504);
  });
});
