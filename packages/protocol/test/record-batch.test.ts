// Proves batches round-trip for every codec (random records, producer fields, timestamp types),
// and that corrupt, truncated or oversized batches give CORRUPT_MESSAGE naming what disagrees:
// every single-byte corruption is checked against what the CRC does and does not cover.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CompressionType,
  compress,
  type DecodedRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  decompressedBytesMax,
  encodeRecord,
  encodeRecordBatch,
  findBatchProblem,
  isCompressionAvailable,
  isKafkaError,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  type RecordBatchInput,
  readCrc,
  TimestampType,
  Writer,
  writeBatchCrc,
} from '../src/index.js';
import { recordArbitrary, recordsWithGapsArbitrary } from './record-arbitraries.js';

const codecs = [0, 1, 2, 3, 4] as const;
const available = codecs.filter((code) => isCompressionAvailable(code));
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

const batchInputArbitrary: fc.Arbitrary<RecordBatchInput> = fc.record(
  {
    records: fc.oneof(fc.array(recordArbitrary, { maxLength: 12 }), recordsWithGapsArbitrary),
    baseOffset: fc.integer({ min: 0, max: 2 ** 50 }),
    compression: fc.constantFrom(...available),
    timestampType: fc.constantFrom(0 as const, 1 as const),
    producerId: fc.integer({ min: -1, max: 2 ** 52 }),
    producerEpoch: fc.integer({ min: -1, max: 2 ** 15 - 1 }),
    baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    partitionLeaderEpoch: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
    isTransactional: fc.boolean(),
    isControl: fc.boolean(),
  },
  { requiredKeys: ['records'] },
);

/** What decodeRecordBatch must return for `input`, whose records all carry a timestamp. */
function expectedBatch(input: RecordBatchInput, batch: Buffer): DecodedRecordBatch {
  const { records } = input;
  const timestamps = records.map((record) => record.timestamp ?? Number.NaN);
  const baseOffset = input.baseOffset ?? 0;
  const baseTimestamp = timestamps[0] ?? NO_TIMESTAMP;
  const maxTimestamp = timestamps.length === 0 ? NO_TIMESTAMP : Math.max(...timestamps);
  const offsetDeltas = records.map((record, index) => record.offsetDelta ?? index);
  const lastOffsetDelta = offsetDeltas.at(-1) ?? 0;
  const compression = input.compression ?? 0;
  const timestampType = input.timestampType ?? 0;
  const isTransactional = input.isTransactional ?? false;
  const isControl = input.isControl ?? false;
  return {
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    batchLength: batch.length - LOG_OVERHEAD,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? -1,
    magic: 2,
    crc: readCrc(batch),
    attributes:
      compression | (timestampType << 3) | (isTransactional ? 0x10 : 0) | (isControl ? 0x20 : 0),
    compression,
    timestampType,
    isTransactional,
    isControl,
    lastOffsetDelta,
    baseTimestamp,
    maxTimestamp,
    producerId: input.producerId ?? -1,
    producerEpoch: input.producerEpoch ?? -1,
    baseSequence: input.baseSequence ?? -1,
    recordCount: records.length,
    records: records.map((record, index) => ({
      offset: baseOffset + (offsetDeltas[index] ?? Number.NaN),
      timestamp: timestampType === 1 ? maxTimestamp : (timestamps[index] ?? Number.NaN),
      key: record.key ?? null,
      value: record.value,
      headers: record.headers ?? [],
      offsetDelta: offsetDeltas[index] ?? Number.NaN,
      timestampDelta: (timestamps[index] ?? Number.NaN) - baseTimestamp,
      attributes: 0,
    })),
  };
}

function expectKafkaError(run: () => unknown, errorName: string, message?: RegExp): void {
  try {
    run();
  } catch (error) {
    if (!isKafkaError(error)) throw error;
    expect(error.errorName).toBe(errorName);
    if (message !== undefined) expect(error.message).toMatch(message);
    return;
  }
  throw new Error(`expected ${errorName}, nothing was thrown`);
}

const expectCorrupt = (run: () => unknown, message?: RegExp) =>
  expectKafkaError(run, 'CORRUPT_MESSAGE', message);

/** A batch whose header is valid and whose CRC matches, around any records section at all. */
function craftBatch(
  section: Buffer,
  fields: { recordCount: number; lastOffsetDelta?: number; attributes?: number },
): Buffer {
  const header = encodeRecordBatch({ records: [] }).subarray(0, RECORDS_OFFSET);
  const batch = Buffer.concat([header, section]);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(fields.recordCount, RECORD_COUNT_OFFSET);
  const lastOffsetDelta = fields.lastOffsetDelta ?? Math.max(0, fields.recordCount - 1);
  batch.writeInt32BE(lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  batch.writeInt16BE(fields.attributes ?? 0, ATTRIBUTES_OFFSET);
  writeBatchCrc(batch);
  return batch;
}

/** Records written back to back with the given offset deltas. */
function recordsSection(offsetDeltas: number[], value = Buffer.from('v')): Buffer {
  const writer = new Writer(1);
  for (const offsetDelta of offsetDeltas) {
    encodeRecord(writer, { key: Buffer.from('k'), value }, offsetDelta, 0);
  }
  return writer.finishCopy();
}

const sampleInput: RecordBatchInput = {
  baseOffset: 1000,
  partitionLeaderEpoch: 5,
  producerId: 77,
  producerEpoch: 3,
  baseSequence: 9,
  records: [
    { key: Buffer.from('key-0'), value: Buffer.from('value-0'), timestamp: 1_700_000_000_000 },
    { key: null, value: null, headers: [{ key: 'h', value: Buffer.from('x') }], timestamp: 5 },
    { value: Buffer.alloc(40, 0x61), timestamp: 1_700_000_000_123 },
  ],
};

describe('record batch', () => {
  it('round-trips random batches with every available codec', () => {
    fc.assert(
      fc.property(batchInputArbitrary, (input) => {
        const batch = encodeRecordBatch(input);
        expect(findBatchProblem(batch)).toBeNull();
        expect(decodeRecordBatch(batch)).toEqual(expectedBatch(input, batch));
      }),
      { numRuns: 200 },
    );
  });

  it("uses Kafka's defaults and the current time when the input leaves them out", () => {
    const before = Date.now();
    const decoded = decodeRecordBatch(encodeRecordBatch({ records: [{ value: null }] }));
    const after = Date.now();
    expect(decoded).toMatchObject({
      baseOffset: 0,
      partitionLeaderEpoch: -1,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      compression: CompressionType.none,
      timestampType: TimestampType.createTime,
      isTransactional: false,
      isControl: false,
    });
    expect(decoded.baseTimestamp).toBeGreaterThanOrEqual(before);
    expect(decoded.baseTimestamp).toBeLessThanOrEqual(after);
    expect(decoded.records[0]?.timestamp).toBe(decoded.baseTimestamp);
  });

  it('encodes an empty batch with lastOffsetDelta 0 and no timestamp', () => {
    const batch = encodeRecordBatch({ records: [], baseOffset: 42 });
    expect(batch.length).toBe(RECORDS_OFFSET);
    expect(decodeRecordBatch(batch)).toMatchObject({
      baseOffset: 42,
      lastOffset: 42,
      recordCount: 0,
      baseTimestamp: NO_TIMESTAMP,
      maxTimestamp: NO_TIMESTAMP,
      records: [],
    });
  });

  it('refuses encoder input outside the format with typed errors', () => {
    const records = [{ value: null }];
    const invalid = (input: RecordBatchInput) =>
      expectKafkaError(() => encodeRecordBatch(input), 'INVALID_RECORD');
    invalid({ records, baseOffset: -1 });
    invalid({ records, producerEpoch: 2 ** 15 });
    invalid({ records, baseSequence: 2 ** 31 });
    invalid({ records, partitionLeaderEpoch: 1.5 });
    invalid({ records, producerId: 2 ** 53 });
    invalid({
      records: [
        { value: null, offsetDelta: 1 },
        { value: null, offsetDelta: 1 },
      ],
    });
    invalid({ records: [{ value: null, offsetDelta: 2 ** 31 }] });
    invalid({ records: [{ value: null, offsetDelta: -1 }] });
    expectKafkaError(
      () => encodeRecordBatch({ records: [{ value: null, timestamp: 2 ** 53 }] }),
      'INVALID_TIMESTAMP',
    );
    expectKafkaError(
      () =>
        encodeRecordBatch({
          records: [
            { value: null, timestamp: -(2 ** 52) },
            { value: null, timestamp: 2 ** 52 },
          ],
        }),
      'INVALID_TIMESTAMP',
    );
  });

  it('decodes batches back to back and names the position of a bad one', () => {
    const first = encodeRecordBatch({ ...sampleInput, compression: CompressionType.gzip });
    const second = encodeRecordBatch({ ...sampleInput, baseOffset: 1003 });
    const both = Buffer.concat([first, second]);
    const decoded = decodeRecordBatches(both);
    expect(decoded.map((batch) => batch.baseOffset)).toEqual([1000, 1003]);
    expect(decodeRecordBatch(both, first.length).records).toEqual(decoded[1]?.records);
    expect(decodeRecordBatches(Buffer.alloc(0))).toEqual([]);
    const cut = both.subarray(0, both.length - 1);
    expectCorrupt(() => decodeRecordBatches(cut), new RegExp(`at byte ${first.length}: `));
  });

  it('rejects any single corrupted byte, except where the CRC does not reach', () => {
    for (const compression of available) {
      const batch = encodeRecordBatch({ ...sampleInput, compression });
      const original = decodeRecordBatch(batch);
      for (let position = 0; position < batch.length; position++) {
        for (const xor of [0x01, 0x80, 0xff]) {
          const corrupted = Buffer.from(batch);
          corrupted[position]! ^= xor;
          expectCorruptionOutcome(corrupted, position, original);
        }
      }
    }
  });

  it('never fails with anything but a typed error when corruption comes with a valid CRC', () => {
    fc.assert(
      fc.property(
        batchInputArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 3,
        }),
        (input, flips) => {
          const batch = Buffer.from(encodeRecordBatch(input));
          for (const [at, xor] of flips) {
            batch[ATTRIBUTES_OFFSET + (at % (batch.length - ATTRIBUTES_OFFSET))]! ^= xor;
          }
          writeBatchCrc(batch);
          try {
            decodeRecordBatch(batch);
          } catch (error) {
            expect(isKafkaError(error) && error.errorName).toMatch(
              /^(CORRUPT_MESSAGE|UNSUPPORTED_COMPRESSION_TYPE)$/,
            );
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives CORRUPT_MESSAGE for every truncation', () => {
    for (const compression of available) {
      const batch = encodeRecordBatch({ ...sampleInput, compression });
      for (let length = 0; length < batch.length; length++) {
        expectCorrupt(() => decodeRecordBatch(batch.subarray(0, length)), /at byte 0: /);
      }
    }
  });

  it('names the values that disagree in header problems', () => {
    const batch = encodeRecordBatch(sampleInput);
    const badCrc = Buffer.from(batch);
    badCrc[batch.length - 1]! ^= 1;
    expectCorrupt(() => decodeRecordBatch(badCrc), /CRC-32C .*stored 0x[0-9a-f]{8}, computed/);
    const badMagic = Buffer.from(batch);
    badMagic[MAGIC_OFFSET] = 1;
    expectCorrupt(() => decodeRecordBatch(badMagic), /magic 1/);
    const longer = Buffer.from(batch);
    longer.writeInt32BE(2 ** 31 - 1, BATCH_LENGTH_OFFSET);
    expectCorrupt(
      () => decodeRecordBatch(longer),
      new RegExp(`batchLength 2147483647 \\+ 12, ${batch.length} bytes available`),
    );
  });

  it('gives CORRUPT_MESSAGE for oversized counts and lengths inside a valid CRC', () => {
    const two = recordsSection([0, 1]);
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(two, { recordCount: 2 ** 31 - 1 })),
      /recordCount 2147483647 needs at least \d+ bytes, the batch has 18/,
    );
    const hugeLength = new Writer(1);
    hugeLength.writeVarInt(2 ** 31 - 1);
    hugeLength.writeRaw(Buffer.alloc(8));
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(hugeLength.finishCopy(), { recordCount: 1 })),
      /record 0 of 1 in the batch: need 2147483647 bytes at position 66/,
    );
    const hugeKey = new Writer(1);
    for (const byte of [0x14, 0, 0, 0]) hugeKey.writeUInt8(byte);
    hugeKey.writeVarInt(2 ** 30);
    hugeKey.writeRaw(Buffer.alloc(8));
    expectCorrupt(() => decodeRecordBatch(craftBatch(hugeKey.finishCopy(), { recordCount: 1 })));
    const hugeHeaders = new Writer(1);
    for (const byte of [0x0c, 0, 0, 0, 1, 1]) hugeHeaders.writeUInt8(byte);
    hugeHeaders.writeVarInt(2 ** 31 - 1);
    hugeHeaders.writeRaw(Buffer.alloc(6));
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(hugeHeaders.finishCopy(), { recordCount: 1 })),
      /header count 2147483647/,
    );
  });

  it('gives CORRUPT_MESSAGE when recordCount disagrees with the records', () => {
    const two = recordsSection([0, 1]);
    expect(decodeRecordBatch(craftBatch(two, { recordCount: 2 })).records).toHaveLength(2);
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(two, { recordCount: 1 })),
      /1 records end at byte 70 of the batch; 9 bytes are left over/,
    );
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(two, { recordCount: 3 })),
      /recordCount 3 needs at least 21 bytes, the batch has 18/,
    );
    // Long enough to pass the count check, so the decoder runs out while reading record 3.
    const three = recordsSection([0, 1, 2], Buffer.alloc(10));
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(three, { recordCount: 4 })),
      new RegExp(`record 3 of 4 in the batch: need 1 bytes at position ${61 + three.length}`),
    );
  });

  it('gives CORRUPT_MESSAGE when offset deltas repeat, fall or pass lastOffsetDelta', () => {
    for (const deltas of [
      [0, 0],
      [1, 0],
    ]) {
      expectCorrupt(
        () => decodeRecordBatch(craftBatch(recordsSection(deltas), { recordCount: 2 })),
        /record 1 of 2 in the batch: offsetDelta \d is not above the previous \d/,
      );
    }
    const gapped = craftBatch(recordsSection([0, 5]), { recordCount: 2, lastOffsetDelta: 4 });
    expectCorrupt(() => decodeRecordBatch(gapped), /at most lastOffsetDelta 4/);
    const compacted = craftBatch(recordsSection([0, 5]), { recordCount: 2, lastOffsetDelta: 9 });
    expect(decodeRecordBatch(compacted).lastOffset).toBe(9);
  });

  it('names compression codes that are not Kafka codecs, and zstd where Node lacks it', () => {
    const section = recordsSection([0]);
    for (const code of [5, 6, 7]) {
      expectCorrupt(
        () => decodeRecordBatch(craftBatch(section, { recordCount: 1, attributes: code })),
        new RegExp(`compression code ${code}, which is not Kafka's`),
      );
    }
    if (!isCompressionAvailable(CompressionType.zstd)) {
      expectKafkaError(
        () => decodeRecordBatch(craftBatch(section, { recordCount: 1, attributes: 4 })),
        'UNSUPPORTED_COMPRESSION_TYPE',
        /^record batch at byte 0: zstd needs/,
      );
    }
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(section, { recordCount: 1, attributes: 1 })),
      /at byte 0: gzip records \(\d+ bytes\) do not decompress/,
    );
  });

  it('refuses a compressed batch that inflates past decompressedBytesMax', () => {
    const bomb = compress(CompressionType.gzip, Buffer.alloc(decompressedBytesMax + 1));
    expectCorrupt(
      () => decodeRecordBatch(craftBatch(bomb, { recordCount: 1, attributes: 1 })),
      /gzip records decompress to more than the limit of 67108864 bytes/,
    );
  });

  it('gives CORRUPT_MESSAGE when an int64 field or the last offset passes 2^53', () => {
    const batch = encodeRecordBatch(sampleInput);
    const huge = Buffer.from(batch);
    huge.writeBigInt64BE(2n ** 60n, 0);
    expectCorrupt(() => decodeRecordBatch(huge), /header: int64 at 0 is beyond 2\^53/);
    const edge = Buffer.from(batch);
    edge.writeBigInt64BE(maxSafe, 0);
    expectCorrupt(() => decodeRecordBatch(edge), /lastOffsetDelta 2 is beyond 2\^53/);
  });
});

/**
 * The CRC covers attributes .. end, so a changed byte there or in magic must be refused; a
 * changed batchLength moves the CRC range or the end and must be refused too. baseOffset and
 * partitionLeaderEpoch are outside the CRC on purpose (the broker rewrites them), so a change
 * there decodes, with exactly that field different, unless the offset leaves the safe range.
 */
function expectCorruptionOutcome(
  corrupted: Buffer,
  position: number,
  original: DecodedRecordBatch,
): void {
  if (position < BATCH_LENGTH_OFFSET) {
    const baseOffset = corrupted.readBigInt64BE(0);
    const lastOffset = baseOffset + BigInt(original.lastOffsetDelta);
    if (baseOffset < -maxSafe || lastOffset > maxSafe) {
      expectCorrupt(() => decodeRecordBatch(corrupted), /beyond 2\^53/);
      return;
    }
    expect(decodeRecordBatch(corrupted)).toEqual(withBaseOffset(original, Number(baseOffset)));
  } else if (position >= PARTITION_LEADER_EPOCH_OFFSET && position < MAGIC_OFFSET) {
    const partitionLeaderEpoch = corrupted.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET);
    expect(decodeRecordBatch(corrupted)).toEqual({ ...original, partitionLeaderEpoch });
  } else {
    expectCorrupt(() => decodeRecordBatch(corrupted), /^record batch at byte 0: /);
  }
}

function withBaseOffset(batch: DecodedRecordBatch, baseOffset: number): DecodedRecordBatch {
  return {
    ...batch,
    baseOffset,
    lastOffset: baseOffset + batch.lastOffsetDelta,
    records: batch.records.map((record) => ({
      ...record,
      offset: baseOffset + record.offsetDelta,
    })),
  };
}
