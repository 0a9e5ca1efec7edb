// fast-check arbitraries for records and batches, shared by the record and batch tests.
import fc from 'fast-check';
import type { RecordHeader, RecordInput } from '../src/index.js';

/** Bytes as a Buffer, sometimes compressible (runs of one byte) so codecs do real work. */
export const bytesArbitrary = (maxLength = 64): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes)),
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.nat({ max: maxLength * 4 }))
      .map(([byte, length]) => Buffer.alloc(length, byte)),
  );

export const headerArbitrary: fc.Arbitrary<RecordHeader> = fc.record({
  key: fc.string({ unit: 'grapheme', maxLength: 12 }),
  value: fc.option(bytesArbitrary(16), { nil: null }),
});

/** Timestamps around now and anywhere in the safe range, so deltas are both small and big. */
export const timestampArbitrary: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
  fc.integer({ min: -(2 ** 51), max: 2 ** 51 }),
);

export const recordArbitrary: fc.Arbitrary<RecordInput> = fc.record({
  key: fc.option(bytesArbitrary(), { nil: null }),
  value: fc.option(bytesArbitrary(), { nil: null }),
  headers: fc.array(headerArbitrary, { maxLength: 4 }),
  timestamp: timestampArbitrary,
});

/** Records with increasing offset deltas that leave gaps, as a compacted batch has. */
export const recordsWithGapsArbitrary: fc.Arbitrary<RecordInput[]> = fc
  .array(fc.tuple(recordArbitrary, fc.integer({ min: 1, max: 1000 })), {
    minLength: 1,
    maxLength: 12,
  })
  .map((pairs) => {
    let offsetDelta = -1;
    return pairs.map(([record, gap]) => {
      offsetDelta += gap;
      return { ...record, offsetDelta };
    });
  });
