// Proves the record walk accepts every batch the encoder writes (any records, headers, gaps in
// offsets, every codec this Node runs) and refuses records that do not parse (truncated,
// overlong, a wrong count, garbage) with INVALID_RECORD, and that on mutated batches it agrees
// with decodeRecordBatch: the walk accepts a batch exactly when the decoder decodes it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CompressionType,
  compress,
  decodeRecordBatch,
  encodeRecordBatch,
  findRecordsProblem,
  isCompressionAvailable,
  isKafkaError,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  type RecordInput,
  readRecordCount,
  validateBatchRecords,
  varLongSizeBytes,
  Writer,
  writeBatchCrc,
} from '../src/index.js';
import { recordArbitrary, recordsWithGapsArbitrary } from './record-arbitraries.js';

const codecs = [0, 1, 2, 3, 4].filter((code) => isCompressionAvailable(code)) as Array<
  0 | 1 | 2 | 3 | 4
>;

const records = (count: number): RecordInput[] =>
  Array.from({ length: count }, (_, index) => ({
    key: index % 2 === 0 ? Buffer.from(`key-${index}`) : null,
    value: Buffer.from(`value-${index}`),
    headers: [{ key: 'h', value: index % 3 === 0 ? null : Buffer.from('x') }],
    timestamp: 1_700_000_000_000 + index,
  }));

/** The uncompressed records section of a batch. */
const recordsSection = (batch: Buffer) => batch.subarray(RECORDS_OFFSET);

/**
 * A batch with `section` as its (uncompressed, or compressed with `compression`) records,
 * claiming `recordCount` records, with a valid CRC: only the walk can refuse it.
 */
function batchWith(
  section: Buffer,
  recordCount: number,
  compression: 0 | 1 | 2 | 3 | 4 = CompressionType.none,
): Buffer {
  const header = Buffer.from(encodeRecordBatch({ records: [] }).subarray(0, RECORDS_OFFSET));
  const body = compression === CompressionType.none ? section : compress(compression, section);
  const batch = Buffer.concat([header, body]);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt16BE(compression, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(Math.max(0, recordCount - 1), LAST_OFFSET_DELTA_OFFSET);
  batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
  writeBatchCrc(batch);
  return batch;
}

function walkError(batch: Buffer): { errorName: string; message: string } | null {
  try {
    validateBatchRecords(batch);
    return null;
  } catch (error) {
    return error as { errorName: string; message: string };
  }
}

function decodes(batch: Buffer): boolean {
  try {
    decodeRecordBatch(batch);
    return true;
  } catch (error) {
    if (!isKafkaError(error)) throw error;
    return false;
  }
}

describe('validateBatchRecords accepts what the encoder writes', () => {
  it.each(codecs)('512 records, codec %i', (compression) => {
    const batch = encodeRecordBatch({ records: records(512), compression });
    expect(walkError(batch)).toBeNull();
  });

  it('any records, headers and offset gaps, with every codec', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(recordArbitrary, { minLength: 1, maxLength: 12 }),
          recordsWithGapsArbitrary,
        ),
        fc.constantFrom(...codecs),
        (input, compression) => {
          const batch = encodeRecordBatch({ records: input, compression });
          expect(walkError(batch)).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a batch that is not at the start of its buffer', () => {
    const first = encodeRecordBatch({ records: records(3) });
    const second = encodeRecordBatch({ records: records(5), compression: CompressionType.gzip });
    const both = Buffer.concat([first, second]);
    expect(() => validateBatchRecords(both, first.length)).not.toThrow();
  });
});

describe('validateBatchRecords refuses records that do not parse', () => {
  const good = recordsSection(encodeRecordBatch({ records: records(4) }));

  it.each([
    ['garbage', Buffer.alloc(good.length, 0x7f), /record 0 of 4 at byte 61: length -64/],
    ['a record cut short', good.subarray(0, good.length - 3), /record 3 of 4 .*length/],
    ['bytes after the last record', Buffer.concat([good, Buffer.from([0])]), /1 bytes before/],
    ['a first length past the end', Buffer.concat([Buffer.from([0xfe, 0x7f]), good]), /length/],
    ['an unterminated varint', Buffer.concat([good.subarray(0, 20), Buffer.alloc(30, 0xff)]), /./],
  ])('%s: INVALID_RECORD', (_name, section, message) => {
    const error = walkError(batchWith(section, 4));
    expect(error).toMatchObject({ errorName: 'INVALID_RECORD' });
    expect(error?.message).toMatch(message);
  });

  it('a recordCount that disagrees with the records', () => {
    expect(walkError(batchWith(good, 3))?.message).toMatch(/3 records end at byte .* before/);
    expect(walkError(batchWith(good, 5))?.message).toMatch(/record 4 of 5/);
    expect(walkError(batchWith(good, 4))).toBeNull();
  });

  it('a record whose fields end before or after its length says', () => {
    const section = Buffer.from(good);
    section[0] = section[0]! + 2; // the first record's length, 1 more (zigzag)
    expect(walkError(batchWith(section, 4))).toMatchObject({ errorName: 'INVALID_RECORD' });
  });

  it('offset deltas that do not rise within lastOffsetDelta', () => {
    const input = records(3).map((record, index) => ({ ...record, offsetDelta: index * 2 }));
    const batch = encodeRecordBatch({ records: input });
    expect(walkError(batch)).toBeNull(); // gaps: fine
    batch.writeInt32BE(3, LAST_OFFSET_DELTA_OFFSET); // the last record's offsetDelta is 4
    writeBatchCrc(batch);
    expect(walkError(batch)?.message).toMatch(/offsetDelta 4 .* at most lastOffsetDelta 3/);
  });

  it('a header key that is not UTF-8', () => {
    const input = [{ key: null, value: null, headers: [{ key: 'ab', value: null }] }];
    const batch = encodeRecordBatch({ records: input });
    const at = batch.indexOf('ab', RECORDS_OFFSET);
    batch[at] = 0xff;
    writeBatchCrc(batch);
    expect(walkError(batch)?.message).toMatch(/header 0 key .* not valid UTF-8/);
  });

  it('a timestamp beyond 2^53', () => {
    const writer = new Writer();
    writer.writeVarInt(1 + varLongSizeBytes(Number.MAX_SAFE_INTEGER) + 4); // the body below
    writer.writeInt8(0);
    writer.writeVarLong(Number.MAX_SAFE_INTEGER);
    writer.writeVarInt(0);
    writer.writeVarInt(-1);
    writer.writeVarInt(-1);
    writer.writeVarInt(0);
    const batch = batchWith(writer.finishCopy(), 1);
    batch.writeBigInt64BE(1_000n, 27); // baseTimestamp
    writeBatchCrc(batch);
    expect(walkError(batch)?.message).toMatch(/baseTimestamp 1000 \+ timestampDelta/);
  });

  it.each(codecs.filter((code) => code !== CompressionType.none))(
    'garbage compressed with codec %i: INVALID_RECORD',
    (compression) => {
      const error = walkError(batchWith(Buffer.alloc(200, 0x7f), 4, compression));
      expect(error).toMatchObject({ errorName: 'INVALID_RECORD' });
      expect(error?.message).toMatch(/\(decompressed\): record 0 of 4/);
    },
  );

  it('compressed records that do not decompress: CORRUPT_MESSAGE', () => {
    const batch = batchWith(Buffer.alloc(100, 0x33), 4);
    batch.writeInt16BE(CompressionType.gzip, ATTRIBUTES_OFFSET);
    writeBatchCrc(batch);
    expect(walkError(batch)).toMatchObject({ errorName: 'CORRUPT_MESSAGE' });
    batch.writeInt16BE(5, ATTRIBUTES_OFFSET); // not Kafka's
    writeBatchCrc(batch);
    expect(walkError(batch)?.message).toMatch(/compression code 5/);
  });

  it.runIf(!isCompressionAvailable(CompressionType.zstd))(
    'zstd on a Node that cannot decompress it: stored unchecked',
    () => {
      const batch = batchWith(Buffer.alloc(100, 0x33), 4);
      batch.writeInt16BE(CompressionType.zstd, ATTRIBUTES_OFFSET);
      writeBatchCrc(batch);
      expect(walkError(batch)).toBeNull();
    },
  );
});

describe('the walk agrees with decodeRecordBatch', () => {
  it('on batches with mutated records (same CRC rules, so only the records differ)', () => {
    const mutation = fc.record({
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 3 }),
      count: fc.integer({ min: -1, max: 1 }),
    });
    fc.assert(
      fc.property(
        fc.array(recordArbitrary, { minLength: 1, maxLength: 6 }),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (input, mutations) => {
          const batch = encodeRecordBatch({ records: input });
          for (const { at, bytes, count } of mutations) {
            const position = RECORDS_OFFSET + (at % (batch.length - RECORDS_OFFSET));
            batch.set(bytes.subarray(0, batch.length - position), position);
            const recordCount = Math.max(1, readRecordCount(batch) + count);
            batch.writeInt32BE(recordCount, RECORD_COUNT_OFFSET);
            batch.writeInt32BE(recordCount - 1, LAST_OFFSET_DELTA_OFFSET);
          }
          writeBatchCrc(batch);
          const walked = walkError(batch);
          expect(walked === null, walked?.message ?? 'walk accepted').toBe(decodes(batch));
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe('findRecordsProblem', () => {
  it('walks a range of a larger buffer and never throws', () => {
    const section = recordsSection(encodeRecordBatch({ records: records(2) }));
    const buffer = Buffer.concat([Buffer.alloc(7, 0xff), section, Buffer.alloc(5, 0xff)]);
    const end = 7 + section.length;
    expect(findRecordsProblem(buffer, 7, end, 2, 1, null)).toBeNull();
    expect(findRecordsProblem(buffer, 7, end + 5, 2, 1, null)).toMatch(/5 bytes before/);
    expect(findRecordsProblem(buffer, 0, end, 2, 1, null)).not.toBeNull();
    expect(findRecordsProblem(buffer, 7, end, -1, 1, null)).toMatch(/recordCount -1/);
  });
});
