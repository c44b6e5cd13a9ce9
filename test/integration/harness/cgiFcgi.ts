/**
 * FastCGI requests through the reference client `cgi-fcgi` (libfcgi-bin):
 * `cgi-fcgi -bind -connect <socket|host:port>` sends its whole environment as
 * FastCGI params and its stdin as FCGI_STDIN, and prints the CGI response.
 * Used by the harness tests to prove a server answers without relying on our
 * own client (src/client/).
 */
import { execa } from 'execa';
import { endpointForCgiFcgi, type Endpoint } from './endpoint.js';

export const CGI_FCGI = '/usr/bin/cgi-fcgi';

export interface CgiFcgiRequest {
  /** SCRIPT_FILENAME (also the default of SCRIPT_NAME's basename). */
  scriptFilename?: string;
  /** Default GET. */
  method?: string;
  /** Default '/' + basename of scriptFilename. */
  scriptName?: string;
  queryString?: string;
  /** Request body (sets CONTENT_LENGTH; CONTENT_TYPE defaults to application/octet-stream). */
  body?: string | Buffer;
  contentType?: string;
  /** More params (override the defaults). */
  params?: Record<string, string>;
  /** Default 15 s. */
  timeoutMs?: number;
}

export interface CgiFcgiResponse {
  /** From the Status header; 200 when the app sent none. */
  status: number;
  /** Lower-cased header names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  body: string;
  bodyBytes: Buffer;
  /** Whatever the app sent on FCGI_STDERR (cgi-fcgi prints it on its stderr). */
  stderr: string;
  exitCode: number | undefined;
  raw: Buffer;
}

/** The params cgi-fcgi will send for `req` (a minimal CGI/1.1 set plus `req.params`). */
export function cgiParams(req: CgiFcgiRequest): Record<string, string> {
  const file = req.scriptFilename ?? '/';
  const scriptName = req.scriptName ?? `/${file.split('/').pop() ?? ''}`;
  const body = req.body === undefined ? undefined : Buffer.from(req.body);
  const qs = req.queryString ?? '';
  return {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'cgi-fcgi',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: 'localhost',
    SERVER_ADDR: '127.0.0.1',
    SERVER_PORT: '80',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '40000',
    REQUEST_METHOD: req.method ?? 'GET',
    SCRIPT_FILENAME: file,
    SCRIPT_NAME: scriptName,
    REQUEST_URI: scriptName + (qs ? `?${qs}` : ''),
    DOCUMENT_URI: scriptName,
    QUERY_STRING: qs,
    HTTP_HOST: 'localhost',
    ...(body !== undefined
      ? { CONTENT_LENGTH: String(body.length), CONTENT_TYPE: req.contentType ?? 'application/octet-stream' }
      : {}),
    ...(req.params ?? {}),
  };
}

/** Splits a CGI response (headers, blank line, body). */
export function parseCgiResponse(raw: Buffer): Pick<CgiFcgiResponse, 'status' | 'headers' | 'body' | 'bodyBytes'> {
  let sep = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = raw.indexOf('\n\n');
  if (sep < 0 || (lf >= 0 && lf < sep)) {
    sep = lf;
    sepLen = 2;
  }
  const headText = sep < 0 ? raw.toString('latin1') : raw.subarray(0, sep).toString('latin1');
  const bodyBytes = sep < 0 ? Buffer.alloc(0) : raw.subarray(sep + sepLen);
  const headers: Record<string, string> = {};
  for (const line of headText.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const status = headers['status'] ? Number.parseInt(headers['status'], 10) : 200;
  return { status, headers, body: bodyBytes.toString('utf8'), bodyBytes };
}

/** Sends one request to `endpoint` with cgi-fcgi and parses the answer. Never throws on a bad answer. */
export async function cgiFcgi(endpoint: Endpoint, req: CgiFcgiRequest = {}): Promise<CgiFcgiResponse> {
  const result = await execa(CGI_FCGI, ['-bind', '-connect', endpointForCgiFcgi(endpoint)], {
    env: cgiParams(req),
    extendEnv: false,
    input: req.body === undefined ? '' : Buffer.from(req.body),
    encoding: 'buffer',
    stripFinalNewline: false,
    reject: false,
    timeout: req.timeoutMs ?? 15_000,
  });
  const raw = Buffer.from(result.stdout);
  return {
    ...parseCgiResponse(raw),
    stderr: Buffer.from(result.stderr).toString('utf8'),
    exitCode: result.exitCode,
    raw,
  };
}
