import { describe, expect, it } from 'vitest';
import { RecordDecoder, RecordType, encodeRecord } from '../../src/protocol/index.js';

describe('RecordDecoder with tiny chunks', () => {
  it('decodes a full 65,535-byte record fed one byte at a time, holding only that record', () => {
    const content = Buffer.alloc(0xffff, 0x61);
    const wire = Buffer.concat([encodeRecord(RecordType.STDOUT, 1, content), encodeRecord(RecordType.STDOUT, 1)]);
    const decoder = new RecordDecoder();
    const records = [];
    let maxHeld = 0;
    for (let i = 0; i < wire.length; i++) {
      records.push(...decoder.push(wire.subarray(i, i + 1)));
      maxHeld = Math.max(maxHeld, decoder.bufferedBytes);
    }
    expect(records).toHaveLength(2);
    expect(records[0]!.content.equals(content)).toBe(true);
    expect(records[1]!.content.length).toBe(0);
    expect(maxHeld).toBeLessThanOrEqual(8 + 0xffff + 7);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('keeps a header split across chunks until it is whole', () => {
    const wire = encodeRecord(RecordType.STDERR, 3, Buffer.from('oops'));
    const decoder = new RecordDecoder();
    expect(decoder.push(wire.subarray(0, 3))).toEqual([]);
    expect(decoder.bufferedBytes).toBe(3);
    expect(decoder.push(wire.subarray(3, 9))).toEqual([]);
    const [record] = decoder.push(wire.subarray(9));
    expect(record!.requestId).toBe(3);
    expect(record!.content.toString()).toBe('oops');
  });
});
