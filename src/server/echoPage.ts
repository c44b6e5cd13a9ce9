/**
 * What the stand-in app answers: the parameters it received, the body length
 * and its process id, as HTML (like phpinfo() for FastCGI) or JSON.
 */
export interface EchoRequest {
  requestId: number;
  role: number;
  params: Array<[string, string]>;
  bodyBytes: number;
  keepConn: boolean;
}

function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function param(req: EchoRequest, name: string): string | undefined {
  return req.params.find(([n]) => n === name)?.[1];
}

function wantsJson(req: EchoRequest): boolean {
  const query = new URLSearchParams(param(req, 'QUERY_STRING') ?? '');
  if (query.get('format') === 'json') return true;
  return (param(req, 'HTTP_ACCEPT') ?? '').includes('application/json');
}

/** `?status=503` makes the page answer with that status, to rehearse failures. */
function requestedStatus(req: EchoRequest): number {
  const value = new URLSearchParams(param(req, 'QUERY_STRING') ?? '').get('status');
  const n = Number(value);
  return value && Number.isInteger(n) && n >= 100 && n <= 599 ? n : 200;
}

export function renderEchoResponse(req: EchoRequest, pid: number = process.pid): Buffer {
  const status = requestedStatus(req);
  const summary = {
    app: 'fcgi-doctor serve',
    pid,
    requestId: req.requestId,
    role: req.role,
    keepConn: req.keepConn,
    bodyBytes: req.bodyBytes,
    params: Object.fromEntries(req.params),
  };
  let contentType: string;
  let body: string;
  if (wantsJson(req)) {
    contentType = 'application/json';
    body = `${JSON.stringify(summary, null, 2)}\n`;
  } else {
    contentType = 'text/html; charset=utf-8';
    const rows = req.params.map(([n, v]) => `<tr><th>${html(n)}</th><td>${html(v)}</td></tr>`).join('\n');
    body = `<!doctype html>
<html><head><title>fcgi-doctor serve: FastCGI works</title></head>
<body>
<h1>FastCGI works</h1>
<p>Answered by fcgi-doctor serve, pid ${pid}, request id ${req.requestId}. Request body: ${req.bodyBytes} bytes.</p>
<table>
${rows}
</table>
</body></html>
`;
  }
  const head = `Status: ${status}\r\nContent-Type: ${contentType}\r\nX-Fcgi-Doctor-Pid: ${pid}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body, 'utf8')]);
}
