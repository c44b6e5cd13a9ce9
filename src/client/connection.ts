import type net from 'node:net';
import {
  decodeEndRequestBody,
  decodePairs,
  decodeUnknownTypeBody,
  encodeBeginRequest,
  encodeGetValues,
  encodeNameValuePairs,
  encodeRecord,
  encodeStream,
  FcgiProtocolError,
  FCGI_NULL_REQUEST_ID,
  protocolStatusName,
  RecordDecoder,
  RecordType,
  recordTypeName,
  Role,
  type FcgiRecord,
  FOREIGN_PREVIEW_BYTES,
} from '../protocol/index.js';
import { openSocket, seconds } from './connect.js';
import { FcgiClientError, type RequestPhase } from './errors.js';
import type { Target } from './target.js';
import { monotonicMs } from './clock.js';
import { formatBytes } from '../util/bytes.js';

export interface RecordTrace {
  direction: 'sent' | 'received';
  type: string;
  requestId: number;
  contentLength: number;
  /** the first bytes of the content, for --verbose */
  preview: Buffer;
}

export interface RequestBody {
  /** whole body in memory, or chunks streamed as they come (file, stdin) */
  data: Buffer | AsyncIterable<Uint8Array>;
}

export interface RequestOptions {
  /** name-value pairs, or the same already encoded (a load test encodes them once) */
  params: Iterable<readonly [string, string]> | Buffer;
  body?: RequestBody;
  role?: number;
  keepConn?: boolean;
  /** whole-request deadline, from the first byte sent to END_REQUEST */
  timeoutMs: number;
  /** stdout beyond this fails the request: a misbehaving backend cannot exhaust memory */
  maxResponseBytes: number;
  /** stderr beyond this is counted but dropped */
  maxStderrBytes: number;
}

export interface RawResponse {
  requestId: number;
  stdout: Buffer;
  stderr: Buffer;
  /** stderr bytes the backend sent beyond maxStderrBytes */
  stderrDropped: number;
  appStatus: number;
  protocolStatus: number;
  protocolStatusName: string;
  /** ms from the request's first byte sent to the first byte received */
  firstByteMs: number;
  totalMs: number;
}

interface Pending {
  id: number;
  options: RequestOptions;
  started: number;
  firstByteAt?: number;
  phase: RequestPhase;
  stdout: Buffer[];
  stdoutBytes: number;
  stderr: Buffer[];
  stderrBytes: number;
  stderrDropped: number;
  timer: NodeJS.Timeout;
  resolve(r: RawResponse): void;
  reject(e: Error): void;
}

/**
 * One connection to a FastCGI backend. Framing lives in protocol/; this class
 * only routes records to the request that owns their id, and turns silence,
 * early closes and garbage into typed errors. Several requests may share the
 * connection when the backend multiplexes (FCGI_MPXS_CONNS=1).
 */
export class FcgiConnection {
  private readonly decoder = new RecordDecoder();
  /** The first bytes received, bounded: what tells another protocol from FastCGI when framing breaks. */
  private firstBytes = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private closeError: Error | undefined;
  private bytesReceived = 0;
  /** The FCGI_GET_VALUES question in flight: its answer, or the error that ended the connection first. */
  private valuesWaiter: { answer(r: FcgiRecord): void; fail(e: Error): void } | undefined;
  /** requests we gave up on (timeout) whose late records may still come: ignored until their END_REQUEST */
  private readonly abandoned = new Set<number>();

  private constructor(
    readonly target: Target,
    private readonly socket: net.Socket,
    private readonly trace?: (t: RecordTrace) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.failAll(this.describeSocketError(err)));
    socket.on('close', () => {
      this.closed = true;
      this.failAll(this.earlyCloseError());
    });
  }

  static async open(
    target: Target,
    connectTimeoutMs: number,
    trace?: (t: RecordTrace) => void,
  ): Promise<FcgiConnection> {
    const socket = await openSocket(target, connectTimeoutMs);
    return new FcgiConnection(target, socket, trace);
  }

  get isOpen(): boolean {
    return !this.closed && !this.closeError;
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  /** Sends one request and resolves at its END_REQUEST. */
  request(options: RequestOptions): Promise<RawResponse> {
    if (!this.isOpen) return Promise.reject(this.closeError ?? this.earlyCloseError());
    const id = this.allocateId();
    return new Promise<RawResponse>((resolve, reject) => {
      const p: Pending = {
        id,
        options,
        started: monotonicMs(),
        phase: 'send',
        stdout: [],
        stdoutBytes: 0,
        stderr: [],
        stderrBytes: 0,
        stderrDropped: 0,
        timer: setTimeout(() => this.onTimeout(p), options.timeoutMs),
        resolve,
        reject,
      };
      this.pending.set(id, p);
      this.send(p).catch((err: Error) => this.finish(p, err));
    });
  }

  /**
   * Asks the management variables (FCGI_MAX_CONNS, FCGI_MAX_REQS,
   * FCGI_MPXS_CONNS). Many backends never answer (uWSGI, fcgiwrap, libfcgi
   * apps): silence for `waitMs` rejects with 'management-unanswered', as does
   * an UNKNOWN_TYPE answer. A close, garbage or a record for a request that
   * does not exist rejects at once, with the error that ended the connection.
   */
  getValues(names: readonly string[], waitMs: number): Promise<Map<string, string>> {
    if (!this.isOpen) return Promise.reject(this.closeError ?? this.earlyCloseError());
    return new Promise((resolve, reject) => {
      const settle = (outcome: () => void) => {
        clearTimeout(timer);
        this.valuesWaiter = undefined;
        outcome();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new FcgiClientError('management-unanswered', `no answer to FCGI_GET_VALUES within ${seconds(waitMs)}`, {
                phase: 'first-byte',
              }),
            ),
          ),
        waitMs,
      );
      this.valuesWaiter = {
        fail: (err) => settle(() => reject(err)),
        answer: (record) =>
          settle(() => {
            if (record.type === RecordType.UNKNOWN_TYPE) {
              reject(
                new FcgiClientError(
                  'management-unanswered',
                  'the backend answered UNKNOWN_TYPE: it does not support FCGI_GET_VALUES',
                ),
              );
              return;
            }
            try {
              resolve(new Map(decodePairs(record.content)));
            } catch (err) {
              reject(new FcgiClientError('protocol', `malformed FCGI_GET_VALUES_RESULT: ${(err as Error).message}`));
            }
          }),
      };
      this.write(encodeGetValues(names));
    });
  }

  private allocateId(): number {
    // Ids are reused only once free; 1..65535.
    for (let i = 0; i < 0xffff; i++) {
      const id = this.nextId;
      this.nextId = this.nextId === 0xffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id) && !this.abandoned.has(id)) return id;
    }
    throw new FcgiClientError('protocol', 'no free request id on this connection');
  }

  private write(buf: Buffer): boolean {
    this.traceRecords(buf, 'sent');
    return this.socket.write(buf);
  }

  private async send(p: Pending): Promise<void> {
    const { options } = p;
    const role = options.role ?? Role.RESPONDER;
    const params = Buffer.isBuffer(options.params) ? options.params : encodeNameValuePairs(options.params);
    const head = [
      encodeBeginRequest(p.id, role, options.keepConn ?? false),
      ...encodeStream(RecordType.PARAMS, p.id, params),
    ];
    const endStdin = encodeStream(RecordType.STDIN, p.id, Buffer.alloc(0));
    const body = options.body?.data;
    if (body === undefined) {
      // The common case in one write: one segment on the wire for small requests.
      this.write(Buffer.concat([...head, ...endStdin]));
    } else {
      this.write(Buffer.concat(head));
      if (Buffer.isBuffer(body)) {
        await this.writeStdin(p, body);
      } else {
        try {
          for await (const chunk of body) await this.writeStdin(p, Buffer.from(chunk));
        } catch (err) {
          throw new FcgiClientError('body', `cannot read the request body: ${(err as Error).message}`, {
            phase: 'send',
          });
        }
      }
      if (this.pending.get(p.id) === p && this.isOpen) this.write(Buffer.concat(endStdin));
    }
    if (p.phase === 'send') p.phase = 'first-byte';
  }

  /** Writes STDIN records with back-pressure; stops quietly if the request already ended. */
  private async writeStdin(p: Pending, data: Buffer): Promise<void> {
    for (const rec of encodeStream(RecordType.STDIN, p.id, data, false)) {
      if (this.pending.get(p.id) !== p || !this.isOpen) return;
      if (!this.write(rec))
        await new Promise<void>((resolve) => {
          const done = () => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.on('drain', done);
          this.socket.on('close', done);
        });
    }
  }

  private traceRecords(buf: Buffer, direction: 'sent' | 'received', records?: FcgiRecord[]): void {
    if (!this.trace) return;
    const list = records ?? new RecordDecoder().push(buf);
    for (const r of list) {
      this.trace({
        direction,
        type: recordTypeName(r.type),
        requestId: r.requestId,
        contentLength: r.content.length,
        preview: Buffer.from(r.content.subarray(0, 64)),
      });
    }
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    if (this.firstBytes.length < FOREIGN_PREVIEW_BYTES) {
      const room = FOREIGN_PREVIEW_BYTES - this.firstBytes.length;
      this.firstBytes = Buffer.concat([this.firstBytes, chunk.subarray(0, room)]);
    }
    let records: FcgiRecord[];
    try {
      records = this.decoder.push(chunk);
    } catch (err) {
      const e =
        err instanceof FcgiProtocolError
          ? new FcgiClientError('protocol', err.message, { phase: 'response', received: this.firstBytes })
          : (err as Error);
      this.abort(e);
      return;
    }
    if (this.trace) this.traceRecords(chunk, 'received', records);
    for (const record of records) {
      if (!this.onRecord(record)) return;
    }
  }

  /** Returns false when the connection was torn down and later records must be ignored. */
  private onRecord(record: FcgiRecord): boolean {
    if (record.requestId === FCGI_NULL_REQUEST_ID) {
      if (record.type === RecordType.GET_VALUES_RESULT || record.type === RecordType.UNKNOWN_TYPE) {
        if (record.type === RecordType.UNKNOWN_TYPE && !this.valuesWaiter) {
          this.abort(
            new FcgiClientError(
              'protocol',
              `the backend does not know record type ${recordTypeName(decodeUnknownTypeBody(record.content))} (UNKNOWN_TYPE)`,
            ),
          );
          return false;
        }
        this.valuesWaiter?.answer(record);
        return true;
      }
      this.abort(
        new FcgiClientError(
          'protocol',
          `unexpected ${recordTypeName(record.type)} record on the management request id 0`,
        ),
      );
      return false;
    }
    const p = this.pending.get(record.requestId);
    if (!p && this.abandoned.has(record.requestId)) {
      if (record.type === RecordType.END_REQUEST) this.abandoned.delete(record.requestId);
      return true;
    }
    if (!p) {
      const expected = [...this.pending.keys()];
      this.abort(
        new FcgiClientError(
          'wrong-request-id',
          `request id ${record.requestId} in reply, ${expected.length ? expected.join(' or ') : 'none'} expected`,
          { phase: 'response', hint: 'the backend mixes up requests: a broken FastCGI library or proxy in between' },
        ),
      );
      return false;
    }
    if (p.firstByteAt === undefined) p.firstByteAt = monotonicMs();
    p.phase = 'response';
    switch (record.type) {
      case RecordType.STDOUT:
        p.stdoutBytes += record.content.length;
        if (p.stdoutBytes > p.options.maxResponseBytes) {
          this.finish(
            p,
            new FcgiClientError(
              'response-too-large',
              `response larger than ${formatBytes(p.options.maxResponseBytes)}: stopped reading`,
              {
                phase: 'response',
                hint: 'raise --max-response-bytes if the backend really sends this much; an endless response means a runaway script',
              },
            ),
          );
          this.close();
          return false;
        }
        if (record.content.length) p.stdout.push(Buffer.from(record.content));
        return true;
      case RecordType.STDERR: {
        const room = p.options.maxStderrBytes - p.stderrBytes;
        const keep = Math.max(0, Math.min(room, record.content.length));
        if (keep > 0) p.stderr.push(Buffer.from(record.content.subarray(0, keep)));
        p.stderrBytes += keep;
        p.stderrDropped += record.content.length - keep;
        return true;
      }
      case RecordType.END_REQUEST: {
        let body;
        try {
          body = decodeEndRequestBody(record.content);
        } catch (err) {
          this.abort(new FcgiClientError('protocol', (err as Error).message, { phase: 'end' }));
          return false;
        }
        const now = monotonicMs();
        this.finish(p, undefined, {
          requestId: p.id,
          stdout: Buffer.concat(p.stdout),
          stderr: Buffer.concat(p.stderr),
          stderrDropped: p.stderrDropped,
          appStatus: body.appStatus,
          protocolStatus: body.protocolStatus,
          protocolStatusName: protocolStatusName(body.protocolStatus),
          firstByteMs: (p.firstByteAt ?? now) - p.started,
          totalMs: now - p.started,
        });
        if (!p.options.keepConn) this.close();
        return true;
      }
      default:
        this.abort(
          new FcgiClientError(
            'protocol',
            `unexpected ${recordTypeName(record.type)} record from the backend for request ${p.id}`,
            { phase: 'response' },
          ),
        );
        return false;
    }
  }

  private finish(p: Pending, err?: Error, response?: RawResponse): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(response!);
  }

  private onTimeout(p: Pending): void {
    const t = seconds(p.options.timeoutMs);
    // Bytes of a record that never completed count as an answer begun: the
    // backend did send something, it just stopped in the middle of a record.
    if (p.phase === 'first-byte' && this.decoder.bufferedBytes > 0) p.phase = 'response';
    let message: string;
    if (p.phase === 'send') message = `timed out after ${t} sending the request (the backend does not read it)`;
    else if (p.phase === 'first-byte') message = `timed out after ${t} waiting for the first byte`;
    else {
      const partial = this.decoder.bufferedBytes
        ? `; a record was left incomplete (${this.decoder.bufferedBytes} bytes of it)`
        : '';
      message = `timed out after ${t} waiting for FCGI_END_REQUEST (received ${p.stdoutBytes} bytes of output${partial})`;
    }
    // Its id stays reserved: a late answer must not be taken for another request's.
    this.abandoned.add(p.id);
    if (this.isOpen && p.options.keepConn) this.socket.write(encodeRecord(RecordType.ABORT_REQUEST, p.id));
    this.finish(
      p,
      new FcgiClientError('timeout', message, {
        phase: p.phase,
        received: this.firstBytes,
        hint:
          p.phase === 'first-byte'
            ? 'the script runs too long, or every worker is busy and the request waits in the queue'
            : '',
      }),
    );
    if (this.pending.size === 0 && !p.options.keepConn) this.close();
  }

  private earlyCloseError(): FcgiClientError {
    const partial = this.decoder.bufferedBytes
      ? ` in the middle of a record (${this.decoder.bufferedBytes} bytes of it)`
      : '';
    return new FcgiClientError(
      'closed-early',
      `the backend closed the connection before FCGI_END_REQUEST${partial} (received ${this.bytesReceived} bytes in all)`,
      {
        phase: 'response',
        hint: 'the application crashed or exited during the request: look at its own log',
        received: this.firstBytes,
      },
    );
  }

  private describeSocketError(err: NodeJS.ErrnoException): FcgiClientError {
    if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return this.earlyCloseError();
    return new FcgiClientError('closed-early', `connection error: ${err.message}`, { errno: err.code ?? '' });
  }

  private abort(err: Error): void {
    this.closeError = err;
    this.failAll(err);
    this.socket.destroy();
  }

  private failAll(err: Error): void {
    for (const p of [...this.pending.values()]) this.finish(p, err);
    this.valuesWaiter?.fail(err);
  }
}
