/**
 * fcgiwrap's error answers as findingsForResponse sees them, on responses
 * shaped as fcgiwrap.c writes them (cgi_error: the status line again as a
 * text/plain body; the reason on stderr only with -f). A TCP target: the
 * script is not looked at locally, so the findings rest on the answer alone.
 */
import { describe, expect, it } from 'vitest';
import type { FcgiResponse } from '../../../src/client/request.js';
import { evaluateExpectations } from '../../../src/client/expectations.js';
import { findingsForResponse } from '../../../src/checks/request/outcome.js';
import type { Target } from '../../../src/client/target.js';

const TCP: Target = { kind: 'tcp', host: '127.0.0.1', port: 9001 };

function response(status: number, statusText: string, body: string, stderr = ''): FcgiResponse {
  return {
    status,
    statusText,
    headers: [['Content-Type', 'text/plain']],
    body: Buffer.from(body),
    problems: [],
    stderr,
    raw: { protocolStatusName: 'REQUEST_COMPLETE', appStatus: 0, stderrDropped: 0 },
    timings: { connectMs: 1, firstByteMs: 1, totalMs: 1 },
  } as unknown as FcgiResponse;
}

const classify = (r: FcgiResponse, script?: string) =>
  findingsForResponse(TCP, r, evaluateExpectations(r, {}), {
    scriptFilename: script,
    scriptGiven: script !== undefined,
  });
const NO_SCRIPT =
  'Cannot get script name, are DOCUMENT_ROOT and SCRIPT_NAME (or SCRIPT_FILENAME) set and is the script executable?\n';

describe('fcgiwrap answers (remote: nothing looked at locally)', () => {
  it('403 with "Cannot get script name" on stderr: one finding naming the script, the stderr not repeated as app-stderr', () => {
    const f = classify(response(403, 'Forbidden', '403 Forbidden\r\n', NO_SCRIPT), '/usr/lib/cgi-bin/x.cgi');
    expect(f.map((x) => x.id)).toEqual(['primary-script-unknown']);
    expect(f[0]!.message).toContain('fcgiwrap found no script it could run at /usr/lib/cgi-bin/x.cgi');
    expect(f[0]!.message).not.toContain('journalctl');
  });
  it('403 without stderr (fcgiwrap without -f): says where fcgiwrap wrote the reason', () => {
    const f = classify(response(403, 'Forbidden', '403 Forbidden\r\n'), '/usr/lib/cgi-bin/x.cgi');
    expect(f.map((x) => x.id)).toEqual(['primary-script-unknown']);
    expect(f[0]!.message).toContain('started with -f');
  });
  it('"The given script is not allowed to execute": fcgiwrap-script-rejected', () => {
    const f = classify(
      response(403, 'Forbidden', '403 Forbidden\r\n', 'The given script is not allowed to execute (/srv/x.cgi)\n'),
    );
    expect(f.map((x) => x.id)).toEqual(['fcgiwrap-script-rejected']);
  });
  it('502 "Cannot execute script (PATH)": script-not-executable naming the path from the message', () => {
    const f = classify(
      response(502, 'Bad Gateway', '502 Bad Gateway\r\n', 'Cannot execute script (/srv/cgi/app.cgi)\n'),
    );
    expect(f.map((x) => x.id)).toEqual(['script-not-executable']);
    expect(f[0]!.message).toContain('could not execute /srv/cgi/app.cgi');
  });
  it("leaves answers that are not fcgiwrap's to the generic classification", () => {
    expect(classify(response(403, 'Forbidden', 'You may not see this page')).map((x) => x.id)).toEqual([
      'backend-error-status',
    ]);
    expect(classify(response(502, 'Bad Gateway', '<h1>Bad gateway</h1>')).map((x) => x.id)).toEqual([
      'backend-error-status',
    ]);
    expect(classify(response(200, 'OK', '403 Forbidden\r\n'))).toEqual([]);
  });
  it('a 5xx with no stderr: the fix does not point at "stderr above"', () => {
    const [f] = classify(response(500, 'Internal Server Error', 'oops'));
    expect(f?.id).toBe('backend-error-status');
    expect(f?.fix).not.toContain('stderr above');
    const [g] = classify(response(500, 'Internal Server Error', 'oops', 'PHP Fatal error: x\n'));
    expect(g?.fix).toContain('its stderr, shown above');
  });
});
