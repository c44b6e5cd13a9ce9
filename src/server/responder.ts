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

/** Limits that keep a hostile client from growing our memory. */
export const MAX_PARAMS_BYTES = 1024 * 1024;
export const MAX_REQUESTS_PER_CONNECTION = 64;

interface InFlight {
  id: number;
  role: number;
  keepConn: boolean;
  params: Buffer[];
  paramsBytes: number;
  paramsDone: boolean;
  bodyBytes: number;
}

export interface ResponderEvents {
  /** a connection sent bytes that are not FastCGI; it was closed */
  onProtocolError?: (message: string) => void;
  onRequest?: (req: EchoRequest) => void;
}

/**
 * Serves FastCGI on one accepted connection: answers every RESPONDER request
 * with the echo page, AUTHORIZER requests with 200, GET_VALUES with our
 * limits, and UNKNOWN_TYPE to anything else. Requests may be multiplexed.
 */
export function serveConnection(socket: net.Socket, events: ResponderEvents = {}): void {
  const decoder = new RecordDecoder();
  const requests = new Map<number, InFlight>();
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());

  const fail = (message: string) => {
    events.onProtocolError?.(message);
    socket.destroy();
  };

  const end = (req: InFlight, protocolStatus: number, out?: Buffer) => {
    requests.delete(req.id);
    const parts: Buffer[] = out ? encodeStream(RecordType.STDOUT, req.id, out) : [];
    parts.push(encodeEndRequest(req.id, 0, protocolStatus));
    socket.write(Buffer.concat(parts));
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
    const echo: EchoRequest = { requestId: req.id, role: req.role, params, bodyBytes: req.bodyBytes, keepConn: req.keepConn };
    events.onRequest?.(echo);
    const out = req.role === Role.AUTHORIZER ? Buffer.from('Status: 200\r\n\r\n') : renderEchoResponse(echo);
    end(req, ProtocolStatus.REQUEST_COMPLETE, out);
  };

  const onManagement = (record: FcgiRecord) => {
    if (record.type !== RecordType.GET_VALUES) {
      socket.write(encodeUnknownType(record.type));
      return;
    }
    const known: Record<string, string> = {
      FCGI_MAX_CONNS: '1024',
      FCGI_MAX_REQS: String(MAX_REQUESTS_PER_CONNECTION * 1024),
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
    socket.write(encodeGetValuesResult(pairs));
  };

  const onRecord = (record: FcgiRecord) => {
    if (record.requestId === FCGI_NULL_REQUEST_ID) return onManagement(record);
    const req = requests.get(record.requestId);
    switch (record.type) {
      case RecordType.BEGIN_REQUEST: {
        if (req) return fail(`BEGIN_REQUEST for request ${record.requestId}, which is already active`);
        const begin = decodeBeginRequestBody(record.content);
        const fresh: InFlight = { id: record.requestId, role: begin.role, keepConn: begin.keepConn, params: [], paramsBytes: 0, paramsDone: false, bodyBytes: 0 };
        if (requests.size >= MAX_REQUESTS_PER_CONNECTION) return end(fresh, ProtocolStatus.OVERLOADED);
        if (begin.role !== Role.RESPONDER && begin.role !== Role.AUTHORIZER) return end(fresh, ProtocolStatus.UNKNOWN_ROLE);
        requests.set(fresh.id, fresh);
        return;
      }
      case RecordType.ABORT_REQUEST:
        if (req) end(req, ProtocolStatus.REQUEST_COMPLETE);
        return;
      case RecordType.PARAMS:
        if (!req) return; // records of a request we ended: ignore, as the spec allows
        if (record.content.length === 0) {
          req.paramsDone = true;
          return;
        }
        req.paramsBytes += record.content.length;
        if (req.paramsBytes > MAX_PARAMS_BYTES) return fail(`parameters over ${MAX_PARAMS_BYTES} bytes`);
        req.params.push(Buffer.from(record.content));
        return;
      case RecordType.STDIN:
        if (!req) return;
        if (record.content.length === 0) return respond(req);
        req.bodyBytes += record.content.length;
        return;
      case RecordType.DATA:
        return;
      default:
        socket.write(encodeUnknownType(record.type));
    }
  };

  socket.on('data', (chunk: Buffer) => {
    let records: FcgiRecord[];
    try {
      records = decoder.push(chunk);
    } catch (err) {
      return fail((err as Error).message);
    }
    for (const record of records) {
      if (socket.destroyed) return;
      try {
        onRecord(record);
      } catch (err) {
        return fail((err as Error).message);
      }
    }
  });
}
