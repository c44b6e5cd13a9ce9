/**
 * Name-value pairs (PARAMS, GET_VALUES, GET_VALUES_RESULT). A length under 128
 * takes one byte; otherwise four bytes with the high bit set (so at most 2^31-1).
 */
export type NameValuePairs = Array<[name: string, value: string]>;

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length > 0x7fffffff) throw new RangeError(`name-value length ${length} exceeds 2^31-1`);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((length | 0x80000000) >>> 0, 0);
  return b;
}

export function encodeNameValuePairs(pairs: Iterable<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of pairs) {
    const n = Buffer.from(name, 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(lengthBytes(n.length), lengthBytes(v.length), n, v);
  }
  return Buffer.concat(parts);
}

export class NameValueError extends Error {
  override name = 'NameValueError';
}

/**
 * Decodes a complete block of pairs. Lengths that run past the end of the
 * block are an error, never an over-read or a huge allocation: a length is
 * checked against the bytes actually present before anything is sliced.
 */
export function decodeNameValuePairs(block: Uint8Array): NameValuePairs {
  const buf = Buffer.from(block.buffer, block.byteOffset, block.byteLength);
  const pairs: NameValuePairs = [];
  let i = 0;
  const readLength = (): number => {
    if (i >= buf.length) throw new NameValueError('name-value block ends inside a length');
    const first = buf[i]!;
    if (first < 0x80) {
      i += 1;
      return first;
    }
    if (i + 4 > buf.length) throw new NameValueError('name-value block ends inside a 4-byte length');
    const len = buf.readUInt32BE(i) & 0x7fffffff;
    i += 4;
    return len;
  };
  while (i < buf.length) {
    const nameLength = readLength();
    const valueLength = readLength();
    if (nameLength + valueLength > buf.length - i) {
      throw new NameValueError(
        `name-value pair claims ${nameLength}+${valueLength} bytes but only ${buf.length - i} remain`,
      );
    }
    const name = buf.toString('utf8', i, i + nameLength);
    i += nameLength;
    const value = buf.toString('utf8', i, i + valueLength);
    i += valueLength;
    pairs.push([name, value]);
  }
  return pairs;
}
