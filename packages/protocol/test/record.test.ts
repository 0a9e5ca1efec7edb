// Proves one record round-trips (random keys, values, headers, deltas), matches Kafka's bytes
// and its computed size, and that truncated or inconsistent record bytes give ProtocolError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeRecord,
  encodeRecord,
  ProtocolError,
  Reader,
  type RecordContext,
  type RecordInput,
  recordSizeBytes,
  unsignedVarIntSizeBytes,
  varIntSizeBytes,
  varLongSizeBytes,
  Writer,
} from '../src/index.js';
import { recordArbitrary } from './record-arbitraries.js';

const createTime: RecordContext = { baseOffset: 1000, baseTimestamp: 5000, logAppendTime: null };

function encode(record: RecordInput, offsetDelta = 0, timestampDelta = 0): Buffer {
  const writer = new Writer(1);
  encodeRecord(writer, record, offsetDelta, timestampDelta);
  return writer.finishCopy();
}

function expectProtocolError(bytes: Buffer, context = createTime): void {
  expect(() => decodeRecord(new Reader(bytes), context)).toThrow(ProtocolError);
}

/** A record's bytes written field by field, so tests can lie in any one of them. */
function rawRecord(fields: { length?: number; headerCount?: number; headerKeyLength?: number }) {
  const body = new Writer(1);
  body.writeInt8(0);
  body.writeVarLong(0);
  body.writeVarInt(0);
  body.writeVarIntBytes(Buffer.from('k'));
  body.writeVarIntBytes(Buffer.from('v'));
  body.writeVarInt(fields.headerCount ?? 1);
  body.writeVarInt(fields.headerKeyLength ?? 1);
  body.writeRaw(Buffer.from('h'));
  body.writeVarIntBytes(null);
  const record = new Writer(1);
  record.writeVarInt(fields.length ?? body.position);
  record.writeRaw(body.finish());
  return record.finishCopy();
}

describe('record', () => {
  it('round-trips random records and writes exactly recordSizeBytes', () => {
    fc.assert(
      fc.property(
        recordArbitrary,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
        (record, offsetDelta, timestampDelta) => {
          const bytes = encode(record, offsetDelta, timestampDelta);
          expect(bytes.length).toBe(recordSizeBytes(record, offsetDelta, timestampDelta));
          const reader = new Reader(bytes);
          const context = { baseOffset: 7, baseTimestamp: 11, logAppendTime: null };
          const decoded = decodeRecord(reader, context);
          expect(reader.remaining).toBe(0);
          expect(decoded).toEqual({
            offset: 7 + offsetDelta,
            timestamp: 11 + timestampDelta,
            key: record.key ?? null,
            value: record.value,
            headers: record.headers ?? [],
            offsetDelta,
            timestampDelta,
            attributes: 0,
          });
        },
      ),
    );
  });

  it('writes the bytes Kafka writes for a small record', () => {
    // length 8 (zigzag 0x10), attributes, timestampDelta 0, offsetDelta 0, key "k",
    // value "v", no headers: as DefaultRecord.writeTo lays them out.
    const bytes = encode({ key: Buffer.from('k'), value: Buffer.from('v') });
    expect([...bytes]).toEqual([0x10, 0x00, 0x00, 0x00, 0x02, 0x6b, 0x02, 0x76, 0x00]);
    const withHeader = encode({ value: null, headers: [{ key: 'a', value: null }] }, 1, -1);
    // length 9 (0x12), attributes, timestampDelta -1 (0x01), offsetDelta 1 (0x02), null key
    // and value (0x01 each), one header (0x02): key "a", null value.
    expect([...withHeader]).toEqual([0x12, 0, 0x01, 0x02, 0x01, 0x01, 0x02, 0x02, 0x61, 0x01]);
  });

  it('gives every record the batch maxTimestamp under LogAppendTime', () => {
    const bytes = encode({ value: Buffer.from('v'), timestamp: 1 }, 3, 42);
    const decoded = decodeRecord(new Reader(bytes), { ...createTime, logAppendTime: 99 });
    expect(decoded.timestamp).toBe(99);
    expect(decoded.timestampDelta).toBe(42);
    expect(decoded.offset).toBe(1003);
  });

  it('sizes varints exactly as the writer writes them', () => {
    const written = (write: (writer: Writer) => void) => {
      const writer = new Writer(1);
      write(writer);
      return writer.position;
    };
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        expect(varIntSizeBytes(value)).toBe(written((w) => w.writeVarInt(value)));
        expect(unsignedVarIntSizeBytes(value >>> 0)).toBe(
          written((w) => w.writeUnsignedVarInt(value >>> 0)),
        );
      }),
    );
    fc.assert(
      fc.property(
        fc.maxSafeInteger().map((v) => (v % 2 === 0 ? v : -v)),
        (value) => {
          expect(varLongSizeBytes(value)).toBe(written((w) => w.writeVarLong(value)));
        },
      ),
    );
    for (const value of [0, -1, 63, -64, 64, 2 ** 31, -(2 ** 53) + 1, 2 ** 53 - 1]) {
      expect(varLongSizeBytes(value)).toBe(written((w) => w.writeVarLong(value)));
    }
  });

  it('throws ProtocolError for every truncation of a record', () => {
    const bytes = rawRecord({});
    for (let length = 0; length < bytes.length; length++) {
      expectProtocolError(bytes.subarray(0, length));
    }
  });

  it('throws ProtocolError when the length disagrees with the fields', () => {
    const whole = rawRecord({});
    const bodyBytes = whole.length - 1;
    expectProtocolError(rawRecord({ length: bodyBytes - 1 }));
    expectProtocolError(Buffer.concat([rawRecord({ length: bodyBytes + 1 }), Buffer.from([0])]));
    expectProtocolError(rawRecord({ length: -1 }));
    expectProtocolError(rawRecord({ length: 2 ** 31 - 1 }));
    expectProtocolError(rawRecord({ length: 3 }));
  });

  it('throws ProtocolError for negative or oversized header counts and null header keys', () => {
    expectProtocolError(rawRecord({ headerCount: -1 }));
    expectProtocolError(rawRecord({ headerCount: 2 ** 31 - 1 }));
    expectProtocolError(rawRecord({ headerCount: 2 }));
    expectProtocolError(rawRecord({ headerKeyLength: -1 }));
    expectProtocolError(rawRecord({ headerKeyLength: 2 ** 30 }));
  });

  it('throws ProtocolError when an offset or timestamp leaves the safe range', () => {
    const bytes = encode({ value: null }, 10, 10);
    const nearMax = Number.MAX_SAFE_INTEGER - 5;
    expectProtocolError(bytes, { baseOffset: nearMax, baseTimestamp: 0, logAppendTime: null });
    expectProtocolError(bytes, { baseOffset: 0, baseTimestamp: nearMax, logAppendTime: null });
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
        try {
          decodeRecord(new Reader(Buffer.from(bytes)), createTime);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });
});
