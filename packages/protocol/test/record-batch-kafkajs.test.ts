// Proves batches agree with kafkajs 2.2.4, an independent implementation: kafkajs's encoder
// and ours emit the same bytes for the same input, and each side decodes the other's batches.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompressionType,
  type DecodedRecordBatch,
  decodeRecordBatch,
  encodeRecordBatch,
  type RecordBatchInput,
  type RecordInput,
} from '../src/index.js';
import { bytesArbitrary } from './record-arbitraries.js';

/** The slices of kafkajs's CommonJS internals these tests use, typed. */
interface KafkajsEncoder {
  buffer: Buffer;
}
interface KafkajsRecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  offsetDelta: number;
  timestampDelta: number;
}
interface KafkajsBatchInput {
  compression: number;
  firstOffset: number;
  firstTimestamp: number;
  maxTimestamp: number;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  transactional: boolean;
  producerId: number;
  producerEpoch: number;
  firstSequence: number;
  records: KafkajsEncoder[];
}
interface KafkajsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null>;
}
interface KafkajsBatch {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  partitionLeaderEpoch: number;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  records: KafkajsRecord[];
}

const requireCjs = createRequire(import.meta.url);
const { CompressionTypes } = requireCjs('kafkajs') as {
  CompressionTypes: { None: number; GZIP: number };
};
const { RecordBatch } = requireCjs('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (input: KafkajsBatchInput) => Promise<KafkajsEncoder>;
};
const Record = requireCjs('kafkajs/src/protocol/recordBatch/record/v0') as (
  input: KafkajsRecordInput,
) => KafkajsEncoder;
const decodeKafkajsBatch = requireCjs('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<KafkajsBatch>;
const KafkajsDecoder = requireCjs('kafkajs/src/protocol/decoder') as new (
  buffer: Buffer,
) => unknown;

/**
 * One batch described the way both libraries can express it: kafkajs takes headers as an
 * object (so keys are unique, and not integer-like, which objects reorder), cannot encode a
 * null header value, and uses the smallest timestamp as firstTimestamp where Kafka uses the
 * first record's, so timestamps ascend.
 */
interface SharedBatch {
  baseOffset: number;
  partitionLeaderEpoch: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  isTransactional: boolean;
  timestamps: number[];
  records: { key: Buffer | null; value: Buffer | null; headers: [string, Buffer][] }[];
}

const sharedBatchArbitrary: fc.Arbitrary<SharedBatch> = fc
  .record({
    baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
    partitionLeaderEpoch: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    producerId: fc.integer({ min: -1, max: 2 ** 52 }),
    producerEpoch: fc.integer({ min: 0, max: 2 ** 15 - 1 }),
    baseSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    isTransactional: fc.boolean(),
    firstTimestamp: fc.integer({ min: 1_500_000_000_000, max: 1_900_000_000_000 }),
    records: fc.array(
      fc.record({
        key: fc.option(bytesArbitrary(), { nil: null }),
        value: fc.option(bytesArbitrary(), { nil: null }),
        headers: fc.uniqueArray(
          fc.tuple(
            fc.string({ unit: 'grapheme', maxLength: 8 }).map((key) => `h-${key}`),
            bytesArbitrary(16),
          ),
          { maxLength: 3, selector: ([key]) => key },
        ),
        gapMs: fc.integer({ min: 0, max: 100_000 }),
      }),
      { minLength: 1, maxLength: 10 },
    ),
  })
  .map(({ firstTimestamp, records, ...fields }) => {
    let timestamp = firstTimestamp;
    const timestamps = records.map(({ gapMs }) => {
      timestamp += gapMs;
      return timestamp;
    });
    return {
      ...fields,
      timestamps,
      records: records.map(({ key, value, headers }) => ({ key, value, headers })),
    };
  });

function kafkajsEncode(batch: SharedBatch, compression: number): Promise<KafkajsEncoder> {
  const firstTimestamp = batch.timestamps[0] ?? 0;
  return RecordBatch({
    compression,
    firstOffset: batch.baseOffset,
    firstTimestamp,
    maxTimestamp: Math.max(...batch.timestamps),
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    lastOffsetDelta: batch.records.length - 1,
    transactional: batch.isTransactional,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    firstSequence: batch.baseSequence,
    records: batch.records.map((record, index) =>
      Record({
        key: record.key,
        value: record.value,
        headers: Object.fromEntries(record.headers),
        offsetDelta: index,
        timestampDelta: (batch.timestamps[index] ?? 0) - firstTimestamp,
      }),
    ),
  });
}

function cairnInput(batch: SharedBatch, compression: 0 | 1): RecordBatchInput {
  return {
    baseOffset: batch.baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
    compression,
    records: batch.records.map(
      (record, index): RecordInput => ({
        key: record.key,
        value: record.value,
        headers: record.headers.map(([key, value]) => ({ key, value })),
        timestamp: batch.timestamps[index] ?? 0,
      }),
    ),
  };
}

function expectSameAsShared(decoded: DecodedRecordBatch, batch: SharedBatch): void {
  expect(decoded).toMatchObject({
    baseOffset: batch.baseOffset,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
    recordCount: batch.records.length,
  });
  expect(
    decoded.records.map(({ offset, timestamp, key, value, headers }) => ({
      offset,
      timestamp,
      key,
      value,
      headers: headers.map(({ key: headerKey, value: headerValue }) => [headerKey, headerValue]),
    })),
  ).toEqual(
    batch.records.map((record, index) => ({
      offset: batch.baseOffset + index,
      timestamp: batch.timestamps[index],
      key: record.key,
      value: record.value,
      headers: record.headers,
    })),
  );
}

function expectKafkajsSeesShared(decoded: KafkajsBatch, batch: SharedBatch): void {
  expect(decoded).toMatchObject({
    firstOffset: String(batch.baseOffset),
    firstTimestamp: String(batch.timestamps[0]),
    maxTimestamp: String(Math.max(...batch.timestamps)),
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    lastOffsetDelta: batch.records.length - 1,
    producerId: String(batch.producerId),
    producerEpoch: batch.producerEpoch,
    firstSequence: batch.baseSequence,
    inTransaction: batch.isTransactional,
  });
  expect(
    decoded.records.map(({ offset, timestamp, key, value, headers }) => ({
      offset,
      timestamp,
      key,
      value,
      headers,
    })),
  ).toEqual(
    batch.records.map((record, index) => ({
      offset: String(batch.baseOffset + index),
      timestamp: String(batch.timestamps[index]),
      key: record.key,
      value: record.value,
      headers: Object.fromEntries(record.headers),
    })),
  );
}

describe('record batch against kafkajs', () => {
  it('encodes uncompressed batches byte for byte as kafkajs does', async () => {
    await fc.assert(
      fc.asyncProperty(sharedBatchArbitrary, async (batch) => {
        const theirs = (await kafkajsEncode(batch, CompressionTypes.None)).buffer;
        const ours = encodeRecordBatch(cairnInput(batch, CompressionType.none));
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 100 },
    );
  });

  it('decodes what kafkajs encodes, uncompressed and gzip', async () => {
    await fc.assert(
      fc.asyncProperty(sharedBatchArbitrary, async (batch) => {
        for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
          const theirs = (await kafkajsEncode(batch, compression)).buffer;
          const decoded = decodeRecordBatch(theirs);
          expect(decoded.compression).toBe(compression);
          expectSameAsShared(decoded, batch);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('encodes gzip batches that kafkajs decodes (and, sharing zlib, the same bytes)', async () => {
    await fc.assert(
      fc.asyncProperty(sharedBatchArbitrary, async (batch) => {
        const ours = encodeRecordBatch(cairnInput(batch, CompressionType.gzip));
        expectKafkajsSeesShared(await decodeKafkajsBatch(new KafkajsDecoder(ours)), batch);
        // The format does not fix gzip's bytes; both sides call Node's zlib with its defaults.
        const theirs = (await kafkajsEncode(batch, CompressionTypes.GZIP)).buffer;
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
      }),
      { numRuns: 60 },
    );
  });

  it('encodes uncompressed batches that kafkajs decodes', async () => {
    await fc.assert(
      fc.asyncProperty(sharedBatchArbitrary, async (batch) => {
        const ours = encodeRecordBatch(cairnInput(batch, CompressionType.none));
        expectKafkajsSeesShared(await decodeKafkajsBatch(new KafkajsDecoder(ours)), batch);
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with kafkajs on a fixed batch, down to the CRC', async () => {
    const batch: SharedBatch = {
      baseOffset: 0,
      partitionLeaderEpoch: 0,
      producerId: -1,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: false,
      timestamps: [1_700_000_000_000, 1_700_000_000_010],
      records: [
        { key: Buffer.from('key'), value: Buffer.from('value'), headers: [] },
        { key: null, value: Buffer.from('v2'), headers: [['trace', Buffer.from('abc')]] },
      ],
    };
    const theirs = (await kafkajsEncode(batch, CompressionTypes.None)).buffer;
    const ours = encodeRecordBatch(cairnInput(batch, CompressionType.none));
    expect(ours).toEqual(theirs);
    expect(decodeRecordBatch(theirs).crc).toBe(theirs.readUInt32BE(17));
  });
});
