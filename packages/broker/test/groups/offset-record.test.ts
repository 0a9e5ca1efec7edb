// Proves the __consumer_offsets offset records match Kafka's OffsetCommitKey/Value schemas:
// bytes written by hand from the JSON schemas, every value version read, bad bytes refused.
import { isProtocolError } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import {
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
} from '../../src/groups/offset-record.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// key v1: version 1, group "g1", topic "t", partition 7
const keyBytes = hex('0001 0002 6731 0001 74 00000007');
// value v3: offset 300, leaderEpoch 5, metadata "md", commitTimestamp 1700000000000
const valueV3 = hex('0003 000000000000012c 00000005 0002 6d64 0000018bcfe56800');

describe('offset commit records', () => {
  it('writes the key and value v3 byte for byte as Kafka does', () => {
    expect(encodeOffsetCommitKey({ group: 'g1', topic: 't', partition: 7 })).toEqual(keyBytes);
    const value = { offset: 300, leaderEpoch: 5, metadata: 'md', commitTimestamp: 1.7e12 };
    expect(encodeOffsetCommitValue(value)).toEqual(valueV3);
    expect(decodeOffsetCommitKey(keyBytes)).toEqual({ group: 'g1', topic: 't', partition: 7 });
    expect(decodeOffsetCommitValue(valueV3)).toEqual(value);
  });

  it('reads key v0 and skips group metadata keys (v2)', () => {
    expect(decodeOffsetCommitKey(hex('0000 0001 67 0001 74 00000000'))).toEqual({
      group: 'g',
      topic: 't',
      partition: 0,
    });
    expect(decodeOffsetCommitKey(hex('0002 0001 67'))).toBeNull();
  });

  it('reads value versions 0, 1, 2 and 4', () => {
    const expected = { offset: 9, leaderEpoch: -1, metadata: '', commitTimestamp: 1 };
    const v0 = hex('0000 0000000000000009 0000 0000000000000001');
    const v1 = hex('0001 0000000000000009 0000 0000000000000001 ffffffffffffffff');
    const v2 = hex('0002 0000000000000009 0000 0000000000000001');
    // v4 is flexible: compact string (length + 1), then an empty tagged-field section.
    const v4 = hex('0004 0000000000000009 00000002 03 6d64 0000000000000001 00');
    expect(decodeOffsetCommitValue(v0)).toEqual(expected);
    expect(decodeOffsetCommitValue(v1)).toEqual(expected);
    expect(decodeOffsetCommitValue(v2)).toEqual(expected);
    expect(decodeOffsetCommitValue(v4)).toEqual({ ...expected, leaderEpoch: 2, metadata: 'md' });
  });

  it('refuses truncated values, trailing bytes and unknown versions with a ProtocolError', () => {
    const badValues = [
      valueV3.subarray(0, valueV3.length - 1),
      Buffer.concat([valueV3, hex('00')]),
      hex('0009 0000000000000009'),
    ];
    for (const bytes of badValues) {
      expect(thrownBy(() => decodeOffsetCommitValue(bytes))).toSatisfy(isProtocolError);
    }
    expect(thrownBy(() => decodeOffsetCommitKey(keyBytes.subarray(0, 5)))).toSatisfy(
      isProtocolError,
    );
  });
});

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
