// Proves the consumer's record decoder reads what the protocol package's encoder writes, for
// every codec, and handles the edges of a fetch: records before the fetch offset inside the
// first batch, control batches, LogAppendTime, a batch cut short at the end, and corruption.
import {
  type CompressionCode,
  CompressionType,
  encodeRecordBatch,
  type RecordInput,
  writeBaseOffset,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { decodeMessages, scanFetchedBatches } from '../src/fetcher-records.js';

function batchAt(baseOffset: number, records: RecordInput[], options = {}): Buffer {
  const batch = encodeRecordBatch({ records, ...options });
  writeBaseOffset(batch, baseOffset); // the CRC does not cover it, as on the broker
  return batch;
}

function decode(records: Buffer, fromOffset = 0): ConsumerMessage[] {
  const messages: ConsumerMessage[] = [];
  decodeMessages('t', 3, records, fromOffset, messages);
  return messages;
}

const sample: RecordInput[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1_700_000_000_000 },
  {
    key: null,
    value: Buffer.from('v1'),
    timestamp: 1_700_000_000_005,
    headers: [
      { key: 'h', value: Buffer.from('x') },
      { key: 'h', value: null },
    ],
  },
  { key: Buffer.from('k2'), value: null, timestamp: 1_699_999_999_000 },
];

describe('fetched records', () => {
  for (const [name, code] of Object.entries(CompressionType)) {
    if (name === 'zstd') continue;
    it(`decodes a ${name} batch: keys, values, headers, timestamps, offsets`, () => {
      const messages = decode(batchAt(10, sample, { compression: code as CompressionCode }));
      expect(messages.map((message) => message.toJSON())).toEqual([
        {
          topic: 't',
          partition: 3,
          offset: 10,
          timestamp: 1_700_000_000_000,
          key: Buffer.from('k0'),
          value: Buffer.from('v0'),
          headers: [],
        },
        {
          topic: 't',
          partition: 3,
          offset: 11,
          timestamp: 1_700_000_000_005,
          key: null,
          value: Buffer.from('v1'),
          headers: [
            { key: 'h', value: Buffer.from('x') },
            { key: 'h', value: null },
          ],
        },
        {
          topic: 't',
          partition: 3,
          offset: 12,
          timestamp: 1_699_999_999_000,
          key: Buffer.from('k2'),
          value: null,
          headers: [],
        },
      ]);
    });
  }

  it('skips records before the fetch offset inside the first batch', () => {
    const records = Buffer.concat([
      batchAt(0, sample, { compression: CompressionType.gzip }),
      batchAt(3, sample),
    ]);
    expect(decode(records, 2).map((message) => message.offset)).toEqual([2, 3, 4, 5]);
    expect(decode(records, 5).map((message) => message.offset)).toEqual([5]);
  });

  it('skips control batches but scans past them', () => {
    const marker = batchAt(3, [{ key: Buffer.from([0, 0, 0, 0]), value: Buffer.alloc(6) }], {
      isControl: true,
      isTransactional: true,
    });
    const records = Buffer.concat([batchAt(0, sample), marker]);
    expect(decode(records).map((message) => message.offset)).toEqual([0, 1, 2]);
    expect(scanFetchedBatches(records, 0)).toEqual({ nextOffset: 4, wholeBytes: records.length });
  });

  it('uses the batch maxTimestamp under LogAppendTime', () => {
    const messages = decode(batchAt(0, sample, { timestampType: 1 }));
    expect(messages.map((message) => message.timestamp)).toEqual([
      1_700_000_000_005, 1_700_000_000_005, 1_700_000_000_005,
    ]);
  });

  it('leaves out a batch cut short at the end of the response', () => {
    const whole = batchAt(0, sample);
    const records = Buffer.concat([whole, batchAt(3, sample).subarray(0, 40)]);
    expect(scanFetchedBatches(records, 0)).toEqual({ nextOffset: 3, wholeBytes: whole.length });
    expect(scanFetchedBatches(Buffer.alloc(0), 7)).toEqual({ nextOffset: 7, wholeBytes: 0 });
  });

  it('refuses a batch whose CRC does not match', () => {
    const batch = batchAt(0, sample);
    const position = batch.length - 3;
    batch.writeUInt8((batch.readUInt8(position) ^ 0xff) & 0xff, position);
    expect(() => decode(batch)).toThrow(/CRC/);
  });

  it('gives the same view on each access to key and value', () => {
    const [message] = decode(batchAt(0, sample));
    expect(message?.value).toBe(message?.value);
  });
});
