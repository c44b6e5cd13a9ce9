/**
 * Property-based tests of the framing: whatever the records, the chunking or
 * the garbage, the decoder gives back what was encoded, throws only
 * FcgiProtocolError, and never holds more than one record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeNameValuePairs,
  encodeNameValuePairs,
  encodeRecord,
  encodeStream,
  FCGI_HEADER_LEN,
  FCGI_MAX_CONTENT_LEN,
  FcgiProtocolError,
  NameValueError,
  paddingFor,
  RecordDecoder,
  type FcgiRecord,
} from '../../src/protocol/index.js';

const MAX_HELD = FCGI_HEADER_LEN + FCGI_MAX_CONTENT_LEN + 255;

const recordArb = fc.record({
  type: fc.integer({ min: 0, max: 255 }),
  requestId: fc.integer({ min: 0, max: 0xffff }),
  content: fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 0, max: FCGI_MAX_CONTENT_LEN }).map((n) => new Uint8Array(n).fill(n & 0xff)),
    },
  ),
});

/** Random split points of a buffer into chunks (some empty). */
function chunk(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * (buf.length + 1))))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { maxLength: 40 });

const simplify = (records: FcgiRecord[]) =>
  records.map((r) => ({
    version: r.version,
    type: r.type,
    requestId: r.requestId,
    content: Buffer.from(r.content).toString('hex'),
    paddingLength: r.paddingLength,
  }));

/** Strings from all of Unicode (no lone surrogates: they cannot survive UTF-8), some past 127 bytes. */
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 30, maxLength: 200 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 120, maxLength: 140 }),
  fc.nat({ max: 100_000 }).map((n) => 'v'.repeat(n)),
);

describe('round trips', () => {
  it('a record decodes to what was encoded, padded to a multiple of 8', () => {
    fc.assert(
      fc.property(recordArb, ({ type, requestId, content }) => {
        const wire = encodeRecord(type, requestId, content);
        expect(wire.length % 8).toBe(0);
        const decoder = new RecordDecoder();
        const records = decoder.push(wire);
        expect(records).toHaveLength(1);
        const [r] = records;
        expect(r!.version).toBe(1);
        expect(r!.type).toBe(type);
        expect(r!.requestId).toBe(requestId);
        expect(r!.paddingLength).toBe(paddingFor(content.length));
        expect(Buffer.from(r!.content).equals(Buffer.from(content))).toBe(true);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('a stream of any length comes back whole, in records of at most 65,535 bytes and one terminator', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * FCGI_MAX_CONTENT_LEN + 10 }),
        fc.integer({ min: 1, max: 0xffff }),
        (length, id) => {
          const data = Buffer.alloc(length);
          for (let i = 0; i < length; i += 997) data[i] = (i / 997) & 0xff;
          const records = new RecordDecoder().push(Buffer.concat(encodeStream(6, id, data)));
          expect(records.length).toBe(Math.ceil(length / FCGI_MAX_CONTENT_LEN) + 1);
          expect(records.at(-1)!.content.length).toBe(0);
          expect(
            records.slice(0, -1).every((r) => r.content.length > 0 && r.content.length <= FCGI_MAX_CONTENT_LEN),
          ).toBe(true);
          expect(records.every((r) => r.requestId === id && r.type === 6)).toBe(true);
          expect(Buffer.concat(records.map((r) => r.content)).equals(data)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('name-value pairs (unicode, empty, long) decode to what was encoded', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(textArb, textArb), { maxLength: 8 }), (pairs) => {
        const block = encodeNameValuePairs(pairs);
        expect(decodeNameValuePairs(block)).toEqual(pairs);
      }),
      { numRuns: 200 },
    );
  });
});

describe('chunking', () => {
  it('any chunking of a valid stream yields the same records as the whole', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 6 }), cutsArb, (specs, cuts) => {
        const wire = Buffer.concat(specs.map((s) => encodeRecord(s.type, s.requestId, s.content)));
        const whole = simplify(new RecordDecoder().push(wire));
        const decoder = new RecordDecoder();
        const pieces: FcgiRecord[] = [];
        for (const c of chunk(wire, cuts)) {
          pieces.push(...decoder.push(c));
          expect(decoder.bufferedBytes).toBeLessThan(MAX_HELD);
        }
        expect(simplify(pieces)).toEqual(whole);
        expect(whole).toHaveLength(specs.length);
        expect(decoder.bufferedBytes).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('records written with arbitrary padding decode the same however they are chunked', () => {
    const paddedArb = fc.record({
      type: fc.integer({ min: 1, max: 11 }),
      requestId: fc.integer({ min: 0, max: 0xffff }),
      content: fc.uint8Array({ maxLength: 200 }),
      padding: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(paddedArb, { minLength: 1, maxLength: 5 }), cutsArb, (specs, cuts) => {
        const wire = Buffer.concat(
          specs.map(({ type, requestId, content, padding }) => {
            const header = Buffer.from([
              1,
              type,
              requestId >> 8,
              requestId & 0xff,
              content.length >> 8,
              content.length & 0xff,
              padding,
              0,
            ]);
            return Buffer.concat([header, content, Buffer.alloc(padding, 0xa5)]);
          }),
        );
        const decoder = new RecordDecoder();
        const records = chunk(wire, cuts).flatMap((c) => decoder.push(c));
        expect(
          records.map((r) => [r.type, r.requestId, Buffer.from(r.content).toString('hex'), r.paddingLength]),
        ).toEqual(specs.map((s) => [s.type, s.requestId, Buffer.from(s.content).toString('hex'), s.padding]));
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile bytes', () => {
  /** Bytes that often look like headers (version 1, big lengths) so the decoder buffers, then garbage. */
  const hostileChunkArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc
      .tuple(
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ maxLength: 64 }),
      )
      .map(([type, len, pad, rest]) => Uint8Array.from([1, type, 0, 1, len >> 8, len & 0xff, pad, 0, ...rest])),
    fc.integer({ min: 1, max: 70_000 }).map((n) => new Uint8Array(n).fill(1)),
  );

  it('never throws anything but FcgiProtocolError and never holds more than one record', () => {
    fc.assert(
      fc.property(fc.array(hostileChunkArb, { maxLength: 30 }), (chunks) => {
        const decoder = new RecordDecoder();
        for (const c of chunks) {
          try {
            const records = decoder.push(c);
            for (const r of records) expect(r.content.length).toBeLessThanOrEqual(FCGI_MAX_CONTENT_LEN);
          } catch (err) {
            expect(err).toBeInstanceOf(FcgiProtocolError);
          }
          expect(decoder.bufferedBytes).toBeLessThan(MAX_HELD);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a header promising 65,535 + 255 bytes is held until the last byte, then released', () => {
    const decoder = new RecordDecoder();
    const header = Uint8Array.from([1, 6, 0, 1, 0xff, 0xff, 0xff, 0]);
    decoder.push(header);
    decoder.push(Buffer.alloc(FCGI_MAX_CONTENT_LEN + 254));
    expect(decoder.bufferedBytes).toBe(MAX_HELD - 1);
    expect(decoder.push(Buffer.alloc(1))).toHaveLength(1);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('decodeNameValuePairs on arbitrary bytes throws only NameValueError and never returns more than the block holds', () => {
    const blockArb = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      // 4-byte lengths with the high bit set, often huge
      fc
        .array(fc.oneof(fc.constant(Uint8Array.from([0xff, 0xff, 0xff, 0xff])), fc.uint8Array({ maxLength: 8 })), {
          maxLength: 10,
        })
        .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p]))),
    );
    fc.assert(
      fc.property(blockArb, (block) => {
        try {
          const pairs = decodeNameValuePairs(block);
          // each decoded character came from at least one byte of the block
          expect(pairs.reduce((n, [k, v]) => n + [...k].length + [...v].length, 0)).toBeLessThanOrEqual(block.length);
        } catch (err) {
          expect(err).toBeInstanceOf(NameValueError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('a 4-byte length of 2^31-1 in a 10-byte block is refused without allocating', () => {
    const block = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65]);
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) expect(() => decodeNameValuePairs(block)).toThrow(NameValueError);
    // a single allocation of the claimed size would be 2 GiB
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
    // nor is a value of the claimed size read from beyond the block
    expect(() => decodeNameValuePairs(Uint8Array.from([0x01, 0xff, 0xff, 0xff, 0xff, 0x41]))).toThrow(
      /claims 1\+2147483647 bytes but only 1 remain/,
    );
  });
});
