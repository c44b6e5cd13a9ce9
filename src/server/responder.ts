import type net from 'node:net';
import {
  decodeBeginRequestBody,
  decodePairs,
  encodeEndRequest,
  encodeGetValuesResult,
  encodeStream,
  encodeUnknownType,
  FCGI_NULL_REQUEST_ID,
  ProtocolStatus,
  RecordDecoder,
  RecordType,
  Role,
  type FcgiRecord,
} from '../protocol/index.js';
import { renderEchoResponse, type EchoRequest } from './echoPage.js';
import { DEFAULT_LIMITS, HeldBytes, MAX_REQUESTS_PER_CONNECTION, type ServeLimits } from './limits.js';

interface InFlight {
  id: number;
  role: number;
  keepConn: boolean;
  params: Buffer[];
  paramsBytes: number;
  bodyBytes: number;
}

export interface ResponderEvents {
  /** a connection sent bytes that are not FastCGI; it was closed */
  onProtocolError?: (message: string) => void;
  onRequest?: (req: EchoRequest) => void;
}

/** What the server needs to know of a connection to time it out or make room. */
export interface ServedConnection {
  /** when the peer last sent bytes or took what we wrote (Date.now()) */
  readonly lastProgress: number;
  /** a record or request is half-received, or an answer waits for the peer to read it */
  readonly midRequest: boolean;
  close(): void;
}

export interface ConnectionLimits {
  limits: ServeLimits;
  /** shared by all connections of one server */
  held: HeldBytes;
}

export function defaultConnectionLimits(): ConnectionLimits {
  return { limits: { ...DEFAULT_LIMITS }, held: new HeldBytes(DEFAULT_LIMITS.maxHeldBytes) };
}

/**
 * Serves FastCGI on one accepted connection: answers every RESPONDER request
 * with the echo page, AUTHORIZER requests with 200, GET_VALUES with our
 * limits, and UNKNOWN_TYPE to anything else. Requests may be multiplexed.
 *
 * Backpressure: while the peer has not read what we wrote, we stop reading
 * (socket.pause() stops reading from the kernel), so a client that sends and
 * never reads fills its own socket buffers, not our memory.
 */
export function serveConnection(
  socket: net.Socket,
  events: ResponderEvents = {},
  bounds: ConnectionLimits = defaultConnectionLimits(),
): ServedConnection {
  const { limits, held } = bounds;
  const decoder = new RecordDecoder();
  const requests = new Map<number, InFlight>();
  /** records read but not yet handled: what came in one chunk after the peer stopped reading */
  let backlog: FcgiRecord[] = [];
  let lastProgress = Date.now();
  let paramsHeld = 0;
  let outputHeld = 0;
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());

  /** Brings the shared count in line with what the socket still has to send. */
  const accountOutput = () => {
    const now = socket.destroyed ? 0 : socket.writableLength;
    held.add(now - outputHeld);
    outputHeld = now;
  };
  const releaseParams = (req: InFlight) => {
    paramsHeld -= req.paramsBytes;
    held.add(-req.paramsBytes);
    req.params = [];
    req.paramsBytes = 0;
  };
  const write = (data: Buffer) => {
    socket.write(data);
    accountOutput();
  };

  const fail = (message: string) => {
    events.onProtocolError?.(message);
    socket.destroy();
  };

  const end = (req: InFlight, protocolStatus: number, out?: Buffer) => {
    requests.delete(req.id);
    releaseParams(req);
    const parts: Buffer[] = out ? encodeStream(RecordType.STDOUT, req.id, out) : [];
    parts.push(encodeEndRequest(req.id, 0, protocolStatus));
    write(Buffer.concat(parts));
    if (!req.keepConn) socket.end();
  };

  const respond = (req: InFlight) => {
    let params: Array<[string, string]>;
    try {
      params = decodePairs(Buffer.concat(req.params));
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    const echo: EchoRequest = {
      requestId: req.id,
      role: req.role,
      params,
      bodyBytes: req.bodyBytes,
      keepConn: req.keepConn,
    };
    events.onRequest?.(echo);
    const out = req.role === Role.AUTHORIZER ? Buffer.from('Status: 200\r\n\r\n') : renderEchoResponse(echo);
    releaseParams(req);
    // Unread answers of all connections would pass the bound: say so, as FastCGI lets an app do.
    if (!held.fits(out.length)) return end(req, ProtocolStatus.OVERLOADED);
    end(req, ProtocolStatus.REQUEST_COMPLETE, out);
  };

  const onManagement = (record: FcgiRecord) => {
    if (record.type !== RecordType.GET_VALUES) {
      write(encodeUnknownType(record.type));
      return;
    }
    const known: Record<string, string> = {
      FCGI_MAX_CONNS: String(limits.maxConnections),
      FCGI_MAX_REQS: String(MAX_REQUESTS_PER_CONNECTION * limits.maxConnections),
      FCGI_MPXS_CONNS: '1',
    };
    let asked: Array<[string, string]>;
    try {
      asked = decodePairs(record.content);
    } catch (err) {
      fail((err as Error).message);
      return;
    }
    const pairs = asked.filter(([name]) => name in known).map(([name]) => [name, known[name]!] as [string, string]);
    write(encodeGetValuesResult(pairs));
  };

  const onParams = (req: InFlight, content: Buffer) => {
    if (paramsHeld + content.length > limits.maxParamsBytesPerConnection) {
      return fail(`parameters over ${limits.maxParamsBytesPerConnection} bytes on one connection`);
    }
    if (!held.fits(content.length)) {
      releaseParams(req);
      return end(req, ProtocolStatus.OVERLOADED);
    }
    req.paramsBytes += content.length;
    paramsHeld += content.length;
    held.add(content.length);
    req.params.push(Buffer.from(content));
  };

  const onRecord = (record: FcgiRecord) => {
    if (record.requestId === FCGI_NULL_REQUEST_ID) return onManagement(record);
    const req = requests.get(record.requestId);
    switch (record.type) {
      case RecordType.BEGIN_REQUEST: {
        if (req) return fail(`BEGIN_REQUEST for request ${record.requestId}, which is already active`);
        const begin = decodeBeginRequestBody(record.content);
        const fresh: InFlight = {
          id: record.requestId,
          role: begin.role,
          keepConn: begin.keepConn,
          params: [],
          paramsBytes: 0,
          bodyBytes: 0,
        };
        if (requests.size >= MAX_REQUESTS_PER_CONNECTION) return end(fresh, ProtocolStatus.OVERLOADED);
        if (begin.role !== Role.RESPONDER && begin.role !== Role.AUTHORIZER)
          return end(fresh, ProtocolStatus.UNKNOWN_ROLE);
        requests.set(fresh.id, fresh);
        return;
      }
      case RecordType.ABORT_REQUEST:
        if (req) end(req, ProtocolStatus.REQUEST_COMPLETE);
        return;
      case RecordType.PARAMS:
        // records of a request we ended: ignore, as the spec allows; an empty record ends the params
        if (!req || record.content.length === 0) return;
        return onParams(req, record.content);
      case RecordType.STDIN:
        if (!req) return;
        if (record.content.length === 0) return respond(req);
        req.bodyBytes += record.content.length;
        return;
      case RecordType.DATA:
        return;
      default:
        write(encodeUnknownType(record.type));
    }
  };

  /** Handles records until the peer stops reading; the rest waits for 'drain' with the socket paused. */
  const handleBacklog = () => {
    let i = 0;
    while (i < backlog.length && !socket.destroyed && !socket.writableEnded && !socket.writableNeedDrain) {
      try {
        onRecord(backlog[i++]!);
      } catch (err) {
        return fail((err as Error).message);
      }
    }
    if (socket.destroyed) return;
    if (socket.writableEnded) {
      // Ended (a request without FCGI_KEEP_CONN): nothing more is answered; read on only to see the peer close.
      backlog = [];
      socket.resume();
      return;
    }
    backlog = i === backlog.length ? [] : backlog.slice(i);
    if (backlog.length > 0 || socket.writableNeedDrain) socket.pause();
    else if (socket.isPaused()) socket.resume();
  };

  const midRequest = () =>
    decoder.bufferedBytes > 0 || requests.size > 0 || backlog.length > 0 || socket.writableLength > 0;

  socket.on('data', (chunk: Buffer) => {
    if (socket.writableEnded) return; // read on only to see the peer close
    const wasMidRequest = midRequest();
    let records: FcgiRecord[];
    try {
      records = decoder.push(chunk);
    } catch (err) {
      return fail((err as Error).message);
    }
    // Progress is a whole record (or the first bytes after a quiet spell): a
    // record dripped a byte at a time still stalls. Web servers write whole records.
    if (records.length > 0 || !wasMidRequest) lastProgress = Date.now();
    backlog = backlog.length === 0 ? records : backlog.concat(records);
    handleBacklog();
  });
  socket.on('drain', () => {
    lastProgress = Date.now();
    accountOutput();
    handleBacklog();
  });
  socket.on('finish', accountOutput);
  socket.on('close', () => {
    for (const req of requests.values()) releaseParams(req);
    requests.clear();
    backlog = [];
    held.add(-outputHeld);
    outputHeld = 0;
  });

  return {
    get lastProgress() {
      return lastProgress;
    },
    get midRequest() {
      return midRequest();
    },
    close: () => socket.destroy(),
  };
}
