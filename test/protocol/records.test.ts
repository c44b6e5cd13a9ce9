/**
 * Byte-exact encoding and decoding against records written out by hand from
 * the FastCGI 1.0 specification (sections 3.3 to 5).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeBeginRequestBody,
  decodeEndRequestBody,
  decodeHeader,
  decodeNameValuePairs,
  decodePairs,
  decodeUnknownTypeBody,
  encodeBeginRequest,
  encodeEndRequest,
  encodeGetValues,
  encodeGetValuesResult,
  encodeNameValuePairs,
  encodeRecord,
  encodeStream,
  encodeUnknownType,
  FcgiProtocolError,
  MANAGEMENT_VARIABLES,
  NameValueError,
  paddingFor,
  ProtocolStatus,
  protocolStatusName,
  RecordDecoder,
  RecordType,
  recordTypeName,
  Role,
} from '../../src/protocol/index.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');

describe('record types and statuses', () => {
  it('has the numbers of the specification', () => {
    expect(RecordType).toEqual({
      BEGIN_REQUEST: 1,
      ABORT_REQUEST: 2,
      END_REQUEST: 3,
      PARAMS: 4,
      STDIN: 5,
      STDOUT: 6,
      STDERR: 7,
      DATA: 8,
      GET_VALUES: 9,
      GET_VALUES_RESULT: 10,
      UNKNOWN_TYPE: 11,
    });
    expect(Role).toEqual({ RESPONDER: 1, AUTHORIZER: 2, FILTER: 3 });
    expect(ProtocolStatus).toEqual({ REQUEST_COMPLETE: 0, CANT_MPX_CONN: 1, OVERLOADED: 2, UNKNOWN_ROLE: 3 });
    expect(recordTypeName(6)).toBe('STDOUT');
    expect(recordTypeName(42)).toBe('type 42');
    expect(protocolStatusName(2)).toBe('OVERLOADED');
    expect(protocolStatusName(9)).toBe('status 9');
  });
});

describe('BEGIN_REQUEST', () => {
  it('encodes {version 1, type 1, id, length 8, padding 0} then {role, flags, reserved[5]}', () => {
    expect(encodeBeginRequest(1, Role.RESPONDER, false)).toEqual(hex('01 01 0001 0008 00 00   0001 00 0000000000'));
    expect(encodeBeginRequest(0x1234, Role.AUTHORIZER, true)).toEqual(
      hex('01 01 1234 0008 00 00   0002 01 0000000000'),
    );
  });

  it('decodes the body, keepConn from the low flag bit only', () => {
    expect(decodeBeginRequestBody(hex('0001 01 0000000000'))).toEqual({ role: 1, keepConn: true });
    expect(decodeBeginRequestBody(hex('0003 fe 0000000000'))).toEqual({ role: 3, keepConn: false });
    expect(() => decodeBeginRequestBody(hex('0001 01'))).toThrow(FcgiProtocolError);
  });
});

describe('END_REQUEST', () => {
  it('encodes appStatus as 4 bytes big-endian and the protocol status', () => {
    expect(encodeEndRequest(1, 0, ProtocolStatus.REQUEST_COMPLETE)).toEqual(
      hex('01 03 0001 0008 00 00   00000000 00 000000'),
    );
    expect(encodeEndRequest(7, 0x01020304, ProtocolStatus.OVERLOADED)).toEqual(
      hex('01 03 0007 0008 00 00   01020304 02 000000'),
    );
    expect(encodeEndRequest(2, 255, ProtocolStatus.UNKNOWN_ROLE)).toEqual(
      hex('01 03 0002 0008 00 00   000000ff 03 000000'),
    );
  });

  it('decodes a hand-written body', () => {
    expect(decodeEndRequestBody(hex('000000ff 01 000000'))).toEqual({
      appStatus: 255,
      protocolStatus: ProtocolStatus.CANT_MPX_CONN,
    });
    // all bits set: an exit status of -1 as C apps report it
    expect(decodeEndRequestBody(hex('ffffffff 00 000000'))).toEqual({ appStatus: -1, protocolStatus: 0 });
  });

  it('rejects a short body with a protocol error, not a RangeError', () => {
    expect(() => decodeEndRequestBody(hex('0000'))).toThrow(FcgiProtocolError);
    try {
      decodeEndRequestBody(hex(''));
    } catch (err) {
      expect((err as FcgiProtocolError).code).toBe('bad-body');
    }
  });
});

describe('name-value pairs', () => {
  it('uses one length byte below 128 and four with the high bit from 128 on', () => {
    const n127 = 'N'.repeat(127);
    const v128 = 'v'.repeat(128);
    const encoded = encodeNameValuePairs([[n127, v128]]);
    expect(encoded.subarray(0, 5)).toEqual(hex('7f 80000080'));
    expect(encoded.length).toBe(1 + 4 + 127 + 128);
    expect(encoded.subarray(5, 5 + 127).toString()).toBe(n127);
    expect(encoded.subarray(5 + 127).toString()).toBe(v128);

    const n128 = 'N'.repeat(128);
    const v127 = 'v'.repeat(127);
    expect(encodeNameValuePairs([[n128, v127]]).subarray(0, 5)).toEqual(hex('80000080 7f'));
  });

  it('encodes a short pair exactly as the spec lays it out', () => {
    expect(
      encodeNameValuePairs([
        ['SCRIPT_NAME', '/x.php'],
        ['QUERY_STRING', ''],
      ]),
    ).toEqual(Buffer.concat([hex('0b 06'), ascii('SCRIPT_NAME/x.php'), hex('0c 00'), ascii('QUERY_STRING')]));
  });

  it('counts UTF-8 bytes, not characters', () => {
    const value = 'é'.repeat(64); // 64 characters, 128 bytes
    expect(encodeNameValuePairs([['X', value]]).subarray(0, 5)).toEqual(hex('01 80000080'));
    expect(decodeNameValuePairs(encodeNameValuePairs([['X', value]]))).toEqual([['X', value]]);
  });

  it('decodes hand-written 1-byte and 4-byte lengths', () => {
    const long = 'x'.repeat(300);
    const block = Buffer.concat([hex('04 80 00 01 2c'), ascii('NAME'), ascii(long), hex('01 00'), ascii('E')]);
    expect(decodeNameValuePairs(block)).toEqual([
      ['NAME', long],
      ['E', ''],
    ]);
    // a 4-byte length under 128 is legal too (the high bit marks the form, not the size)
    expect(decodeNameValuePairs(Buffer.concat([hex('80000001 01'), ascii('ab')]))).toEqual([['a', 'b']]);
  });

  it('decodes an empty block to no pairs', () => {
    expect(decodeNameValuePairs(Buffer.alloc(0))).toEqual([]);
  });

  it('rejects truncated blocks with NameValueError', () => {
    expect(() => decodeNameValuePairs(hex('04'))).toThrow(NameValueError);
    expect(() => decodeNameValuePairs(hex('80 00 00'))).toThrow(/4-byte length/);
    expect(() => decodeNameValuePairs(Buffer.concat([hex('04 04'), ascii('NAMEval')]))).toThrow(/only 7 remain/);
    // a length of 2^31-1 in a 10-byte block: refused before any slicing
    expect(() => decodeNameValuePairs(hex('ffffffff 00 0102030405'))).toThrow(/claims 2147483647\+0 bytes/);
  });

  it('decodePairs turns NameValueError into an FcgiProtocolError', () => {
    try {
      decodePairs(hex('05'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FcgiProtocolError);
      expect((err as FcgiProtocolError).code).toBe('bad-name-value');
    }
  });
});

describe('records and padding', () => {
  it('pads what we send to a multiple of 8 bytes', () => {
    expect(paddingFor(0)).toBe(0);
    expect(paddingFor(1)).toBe(7);
    expect(paddingFor(8)).toBe(0);
    expect(paddingFor(13)).toBe(3);
    expect(encodeRecord(RecordType.STDIN, 1, ascii('hello'))).toEqual(
      Buffer.concat([hex('01 05 0001 0005 03 00'), ascii('hello'), hex('000000')]),
    );
    for (let n = 0; n < 20; n++) expect(encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(n, 0x61)).length % 8).toBe(0);
  });

  it('encodes a 0-length stream as the empty terminating record alone', () => {
    expect(encodeStream(RecordType.PARAMS, 1, Buffer.alloc(0))).toEqual([hex('01 04 0001 0000 00 00')]);
    expect(encodeStream(RecordType.STDIN, 3, Buffer.alloc(0), false)).toEqual([]);
  });

  it('encodes a stream of exactly 65,535 bytes as one record and the terminator', () => {
    const data = Buffer.alloc(65_535, 0x41);
    const records = encodeStream(RecordType.STDOUT, 1, data);
    expect(records).toHaveLength(2);
    expect(records[0]!.subarray(0, 8)).toEqual(hex('01 06 0001 ffff 01 00'));
    expect(records[0]!.length).toBe(8 + 65_535 + 1);
    expect(records[0]!.subarray(8, 8 + 65_535).equals(data)).toBe(true);
    expect(records[1]).toEqual(hex('01 06 0001 0000 00 00'));
  });

  it('encodes a stream of 65,536 bytes as two records and the terminator', () => {
    const data = Buffer.alloc(65_536);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    const records = encodeStream(RecordType.STDIN, 2, data);
    expect(records).toHaveLength(3);
    expect(records[0]!.subarray(0, 8)).toEqual(hex('01 05 0002 ffff 01 00'));
    expect(records[1]).toEqual(Buffer.concat([hex('01 05 0002 0001 07 00'), Buffer.from([0xff]), Buffer.alloc(7)]));
    expect(records[2]).toEqual(hex('01 05 0002 0000 00 00'));
    const decoded = new RecordDecoder().push(Buffer.concat(records));
    expect(Buffer.concat(decoded.map((r) => r.content)).equals(data)).toBe(true);
    expect(decoded.map((r) => r.content.length)).toEqual([65_535, 1, 0]);
  });

  it('refuses a record over 65,535 bytes and a request id out of range', () => {
    expect(() => encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(65_536))).toThrow(RangeError);
    expect(() => encodeRecord(RecordType.STDOUT, 0x10000)).toThrow(RangeError);
    expect(() => encodeRecord(RecordType.STDOUT, -1)).toThrow(RangeError);
  });

  it('decodes a header', () => {
    expect(decodeHeader(hex('01 06 0102 0304 05 00'))).toEqual({
      version: 1,
      type: 6,
      requestId: 0x0102,
      contentLength: 0x0304,
      paddingLength: 5,
    });
    expect(decodeHeader(hex('ff ff 01 06 0102 0304 05 00'), 2).requestId).toBe(0x0102);
    expect(() => decodeHeader(hex('01 06 0001'))).toThrow(RangeError);
  });
});

describe('RecordDecoder', () => {
  it('accepts any padding on what it reads, including none and 255 bytes', () => {
    const stream = Buffer.concat([
      hex('01 06 0001 0003 00 00'),
      ascii('abc'), // no padding although 3 is not a multiple of 8
      hex('01 06 0001 0002 ff 00'),
      ascii('de'),
      Buffer.alloc(255, 0xee), // 255 bytes of garbage padding
      hex('01 07 0001 0001 02 00'),
      ascii('!'),
      hex('aaaa'),
      hex('01 03 0001 0008 00 00 00000000 00000000'),
    ]);
    const records = new RecordDecoder().push(stream);
    expect(records.map((r) => [r.type, r.content.toString('latin1'), r.paddingLength])).toEqual([
      [RecordType.STDOUT, 'abc', 0],
      [RecordType.STDOUT, 'de', 255],
      [RecordType.STDERR, '!', 2],
      [RecordType.END_REQUEST, '\0'.repeat(8), 0],
    ]);
  });

  it('holds back an incomplete record until the rest arrives, byte by byte', () => {
    const record = Buffer.concat([hex('01 06 0009 0005 03 00'), ascii('hello'), hex('000000')]);
    const decoder = new RecordDecoder();
    for (let i = 0; i < record.length - 1; i++) {
      expect(decoder.push(record.subarray(i, i + 1))).toEqual([]);
      expect(decoder.bufferedBytes).toBe(i + 1);
    }
    const [r] = decoder.push(record.subarray(record.length - 1));
    expect(r).toMatchObject({ version: 1, type: RecordType.STDOUT, requestId: 9, paddingLength: 3 });
    expect(r!.content.toString()).toBe('hello');
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('throws FcgiProtocolError on a wrong version, naming it', () => {
    const decoder = new RecordDecoder();
    try {
      decoder.push(hex('07 06 0001 0000 00 00'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FcgiProtocolError);
      expect((err as FcgiProtocolError).code).toBe('bad-version');
      expect((err as Error).message).toMatch(/record version 7 .*is this really a FastCGI server\?/);
    }
  });

  it('recognises an HTTP answer as not FastCGI', () => {
    expect(() => new RecordDecoder().push(ascii('HTTP/1.1 400 Bad Request\r\n\r\n'))).toThrow(/record version 72/);
  });

  it("does not keep the caller's chunk alive through the held-back tail", () => {
    const big = Buffer.alloc(100_000);
    encodeRecord(RecordType.STDOUT, 1, Buffer.alloc(8)).copy(big, 0);
    big.set(hex('01 06 0001 0010 00 00'), 16); // a second header whose content is missing
    const decoder = new RecordDecoder();
    expect(decoder.push(big.subarray(0, 30))).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(14);
  });
});

describe('management records', () => {
  it('GET_VALUES asks names with empty values on request id 0', () => {
    expect(encodeGetValues(MANAGEMENT_VARIABLES)).toEqual(
      Buffer.concat([
        hex('01 09 0000 0030 00 00'),
        hex('0e 00'),
        ascii('FCGI_MAX_CONNS'),
        hex('0d 00'),
        ascii('FCGI_MAX_REQS'),
        hex('0f 00'),
        ascii('FCGI_MPXS_CONNS'),
      ]),
    );
  });

  it('GET_VALUES_RESULT encodes and a hand-written one decodes', () => {
    expect(encodeGetValuesResult([['FCGI_MPXS_CONNS', '1']])).toEqual(
      Buffer.concat([hex('01 0a 0000 0012 06 00'), hex('0f 01'), ascii('FCGI_MPXS_CONNS1'), Buffer.alloc(6)]),
    );
    const wire = Buffer.concat([
      hex('01 0a 0000 0012 06 00'),
      hex('0e 02'),
      ascii('FCGI_MAX_CONNS50'),
      hex('000000000000'),
    ]);
    const [record] = new RecordDecoder().push(wire);
    expect(record!.type).toBe(RecordType.GET_VALUES_RESULT);
    expect(record!.requestId).toBe(0);
    expect(decodePairs(record!.content)).toEqual([['FCGI_MAX_CONNS', '50']]);
  });

  it('UNKNOWN_TYPE carries the type in the first body byte', () => {
    expect(encodeUnknownType(99)).toEqual(hex('01 0b 0000 0008 00 00   63 00000000000000'));
    expect(decodeUnknownTypeBody(hex('2a 00000000000000'))).toBe(42);
    expect(() => decodeUnknownTypeBody(Buffer.alloc(0))).toThrow(FcgiProtocolError);
  });
});
