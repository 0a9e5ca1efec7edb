// Proves the primitive codecs round-trip and that malformed input gives typed errors.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, Reader, Writer } from '../src/index.js';

function roundTrip<T>(write: (w: Writer, v: T) => void, read: (r: Reader) => T, value: T): T {
  const writer = new Writer(4);
  write(writer, value);
  const reader = new Reader(writer.finishCopy());
  const decoded = read(reader);
  expect(reader.remaining).toBe(0);
  return decoded;
}

describe('Reader and Writer', () => {
  it('round-trips fixed-width integers', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        expect(
          roundTrip(
            (w, v) => w.writeInt32(v),
            (r) => r.readInt32(),
            value,
          ),
        ).toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (value) => {
        expect(
          roundTrip(
            (w, v) => w.writeInt16(v),
            (r) => r.readInt16(),
            value,
          ),
        ).toBe(value);
      }),
    );
  });

  it('round-trips int64 across the safe range', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        expect(
          roundTrip(
            (w, v) => w.writeInt64(v),
            (r) => r.readInt64(),
            value,
          ),
        ).toBe(value);
        expect(
          roundTrip(
            (w, v) => w.writeVarLong(v),
            (r) => r.readVarLong(),
            value,
          ),
        ).toBe(value);
      }),
    );
  });

  it('round-trips varints', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        expect(
          roundTrip(
            (w, v) => w.writeVarInt(v),
            (r) => r.readVarInt(),
            value,
          ),
        ).toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const decoded = roundTrip(
          (w, v) => w.writeUnsignedVarInt(v),
          (r) => r.readUnsignedVarInt(),
          value,
        );
        expect(decoded).toBe(value);
      }),
    );
  });

  it('encodes varints as Kafka does', () => {
    const encode = (value: number) => {
      const writer = new Writer();
      writer.writeVarInt(value);
      return [...writer.finish()];
    };
    // Values from Kafka's ByteUtilsTest.
    expect(encode(0)).toEqual([0x00]);
    expect(encode(-1)).toEqual([0x01]);
    expect(encode(1)).toEqual([0x02]);
    expect(encode(63)).toEqual([0x7e]);
    expect(encode(-64)).toEqual([0x7f]);
    expect(encode(64)).toEqual([0x80, 0x01]);
    expect(encode(2 ** 31 - 1)).toEqual([0xfe, 0xff, 0xff, 0xff, 0x0f]);
    expect(encode(-(2 ** 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('round-trips strings, bytes, arrays and tagged fields', () => {
    fc.assert(
      fc.property(
        fc.option(fc.string()),
        fc.option(fc.uint8Array()),
        fc.array(fc.integer()),
        (text, bytes, numbers) => {
          const writer = new Writer(1);
          writer.writeNullableString(text);
          writer.writeCompactNullableString(text);
          writer.writeNullableBytes(bytes);
          writer.writeCompactNullableBytes(bytes);
          writer.writeVarIntBytes(bytes);
          writer.writeArray(numbers, (w, n) => w.writeInt32(n));
          writer.writeCompactArray(numbers, (w, n) => w.writeVarInt(n));
          writer.writeTaggedFields(new Map([[3, Buffer.from([1, 2])]]));
          const reader = new Reader(writer.finishCopy());
          const asBuffer = bytes === null ? null : Buffer.from(bytes);
          expect(reader.readNullableString()).toBe(text);
          expect(reader.readCompactNullableString()).toBe(text);
          expect(reader.readNullableBytes()).toEqual(asBuffer);
          expect(reader.readCompactNullableBytes()).toEqual(asBuffer);
          expect(reader.readVarIntBytes()).toEqual(asBuffer);
          expect(reader.readArray((r) => r.readInt32())).toEqual(numbers);
          expect(reader.readCompactArray((r) => r.readVarInt())).toEqual(numbers);
          expect(reader.readTaggedFields()).toEqual(new Map([[3, Buffer.from([1, 2])]]));
          expect(reader.remaining).toBe(0);
        },
      ),
    );
  });

  it('throws a typed error on truncated, negative or oversized input', () => {
    const cases: Array<[number[], (r: Reader) => unknown]> = [
      [[0, 0, 0], (r) => r.readInt32()],
      [[0, 5, 0x61], (r) => r.readString()],
      [[0xff, 0xfe], (r) => r.readNullableString()],
      [[0x7f, 0xff, 0xff, 0xff], (r) => r.readBytes()],
      [[0x00, 0x00, 0x00, 0x09, 1], (r) => r.readArray((x) => x.readInt8())],
      [[0xff, 0xff, 0xff, 0xff, 0xff, 0x01], (r) => r.readUnsignedVarInt()],
      [[0x80, 0x80], (r) => r.readVarInt()],
      [[0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], (r) => r.readInt64()],
    ];
    for (const [bytes, read] of cases) {
      expect(() => read(new Reader(Buffer.from(bytes)))).toThrow(ProtocolError);
    }
  });

  it('never throws anything but ProtocolError on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const reader = new Reader(Buffer.from(bytes));
        try {
          reader.readCompactArray((r) => [r.readCompactNullableString(), r.readTaggedFields()]);
          reader.readArray((r) => [r.readNullableBytes(), r.readVarLong()]);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
      }),
    );
  });
});
