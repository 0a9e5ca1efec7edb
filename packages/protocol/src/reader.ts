/**
 * A bounded reader over a Buffer for Kafka's primitive types.
 *
 * Layouts (all big-endian, as in Kafka's protocol guide):
 *   int8/16/32/64, uint32      fixed width, two's complement
 *   unsigned varint            7 bits a byte, low group first, high bit = more (at most 5 bytes)
 *   varint / varlong           zigzag-encoded signed value in an unsigned varint / varlong
 *   string                     int16 length (-1 = null) then UTF-8 bytes
 *   bytes                      int32 length (-1 = null) then bytes
 *   compact string / bytes     unsigned varint (length + 1, 0 = null) then bytes
 *   array                      int32 count (-1 = null); compact: unsigned varint (count + 1)
 *   tagged fields              unsigned varint count, then (tag, size, bytes) each as uvarint
 *   uuid                       16 bytes
 *
 * Every read checks the remaining bytes first and throws a ProtocolError; nothing ever reads
 * outside [start, end). Bytes are returned as views into the buffer (no copy): callers that
 * keep them past the buffer's life must copy.
 */
import { isUtf8 } from 'node:buffer';
import { arrayLengthMax, fieldBytesMax, taggedFieldsMax, varlongBytesMax } from './constants.js';
import { ProtocolError } from './protocol-error.js';

const twoTo32 = 2 ** 32;
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

export type TaggedFields = Map<number, Buffer>;

export class Reader {
  /** Position of the next byte to read. */
  position: number;
  readonly end: number;

  constructor(
    readonly buffer: Buffer,
    start = 0,
    end = buffer.length,
  ) {
    if (start < 0 || end > buffer.length || start > end) {
      throw new ProtocolError('invalid_value', `reader bounds [${start}, ${end}) outside buffer`);
    }
    this.position = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  /** Throws unless `byteCount` more bytes can be read. */
  need(byteCount: number): void {
    if (byteCount > this.end - this.position) {
      throw new ProtocolError(
        'truncated',
        `need ${byteCount} bytes at position ${this.position}, ${this.end - this.position} remain`,
      );
    }
  }

  readInt8(): number {
    this.need(1);
    const value = this.buffer.readInt8(this.position);
    this.position += 1;
    return value;
  }

  readUInt8(): number {
    this.need(1);
    const value = this.buffer.readUInt8(this.position);
    this.position += 1;
    return value;
  }

  readBoolean(): boolean {
    return this.readInt8() !== 0;
  }

  readInt16(): number {
    this.need(2);
    const value = this.buffer.readInt16BE(this.position);
    this.position += 2;
    return value;
  }

  readUInt16(): number {
    this.need(2);
    const value = this.buffer.readUInt16BE(this.position);
    this.position += 2;
    return value;
  }

  readInt32(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.position);
    this.position += 4;
    return value;
  }

  readUInt32(): number {
    this.need(4);
    const value = this.buffer.readUInt32BE(this.position);
    this.position += 4;
    return value;
  }

  /** An int64 as a number; throws if it is outside the safe integer range. */
  readInt64(): number {
    this.need(8);
    const value = readInt64At(this.buffer, this.position);
    this.position += 8;
    return value;
  }

  /** An int64 as a bigint, for fields that may use all 64 bits. */
  readBigInt64(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.position);
    this.position += 8;
    return value;
  }

  readFloat64(): number {
    this.need(8);
    const value = this.buffer.readDoubleBE(this.position);
    this.position += 8;
    return value;
  }

  readUnsignedVarInt(): number {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = this.readUInt8();
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
      shift += 7;
      if (shift > 28) {
        throw new ProtocolError(
          'varint_too_long',
          `varint longer than 5 bytes at ${this.position}`,
        );
      }
    }
  }

  /** A zigzag-encoded int32. */
  readVarInt(): number {
    const raw = this.readUnsignedVarInt();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** An unsigned varlong as a number; throws beyond the safe integer range. */
  readUnsignedVarLong(): number {
    return toSafeNumber(this.readUnsignedVarLongBig(), this.position);
  }

  /** A zigzag-encoded int64 as a number; throws beyond the safe integer range. */
  readVarLong(): number {
    const raw = this.readUnsignedVarLongBig();
    return toSafeNumber((raw >> 1n) ^ -(raw & 1n), this.position);
  }

  /** Up to 10 bytes of unsigned varlong. BigInt keeps every bit; varlongs are rare here. */
  private readUnsignedVarLongBig(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let byteCount = 1; ; byteCount++) {
      const byte = this.readUInt8();
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7n;
      if (byteCount >= varlongBytesMax) {
        throw new ProtocolError(
          'varint_too_long',
          `varlong longer than 10 bytes at ${this.position}`,
        );
      }
    }
  }

  readUuid(): Buffer {
    return this.readRaw(16);
  }

  /** `byteCount` bytes as a view into the buffer. */
  readRaw(byteCount: number): Buffer {
    this.need(byteCount);
    const view = this.buffer.subarray(this.position, this.position + byteCount);
    this.position += byteCount;
    return view;
  }

  readString(): string {
    const value = this.readNullableString();
    if (value === null) throw new ProtocolError('invalid_value', 'null in a non-nullable string');
    return value;
  }

  readNullableString(): string | null {
    const length = this.readInt16();
    if (length === -1) return null;
    return this.readUtf8(checkLength(length, this.position));
  }

  readCompactString(): string {
    const value = this.readCompactNullableString();
    if (value === null) throw new ProtocolError('invalid_value', 'null in a non-nullable string');
    return value;
  }

  readCompactNullableString(): string | null {
    const lengthPlusOne = this.readUnsignedVarInt();
    if (lengthPlusOne === 0) return null;
    return this.readUtf8(checkLength(lengthPlusOne - 1, this.position));
  }

  readBytes(): Buffer {
    const value = this.readNullableBytes();
    if (value === null) throw new ProtocolError('invalid_value', 'null in non-nullable bytes');
    return value;
  }

  readNullableBytes(): Buffer | null {
    const length = this.readInt32();
    if (length === -1) return null;
    return this.readRaw(checkLength(length, this.position));
  }

  readCompactBytes(): Buffer {
    const value = this.readCompactNullableBytes();
    if (value === null) throw new ProtocolError('invalid_value', 'null in non-nullable bytes');
    return value;
  }

  readCompactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.readUnsignedVarInt();
    if (lengthPlusOne === 0) return null;
    return this.readRaw(checkLength(lengthPlusOne - 1, this.position));
  }

  /** Varint-length bytes inside a record (length -1 = null). */
  readVarIntBytes(): Buffer | null {
    const length = this.readVarInt();
    if (length === -1) return null;
    return this.readRaw(checkLength(length, this.position));
  }

  /** A varint-length UTF-8 string inside a record header; a header key is never null. */
  readVarIntString(): string {
    const length = this.readVarInt();
    return this.readUtf8(checkLength(length, this.position));
  }

  /** An int32-counted array. */
  readArray<T>(readItem: (reader: Reader) => T): T[] {
    const value = this.readNullableArray(readItem);
    if (value === null) throw new ProtocolError('invalid_value', 'null in a non-nullable array');
    return value;
  }

  readNullableArray<T>(readItem: (reader: Reader) => T): T[] | null {
    const count = this.readInt32();
    if (count === -1) return null;
    return this.readItems(checkCount(count, this.position), readItem);
  }

  /** An unsigned-varint-counted array (count + 1, 0 = null). */
  readCompactArray<T>(readItem: (reader: Reader) => T): T[] {
    const value = this.readCompactNullableArray(readItem);
    if (value === null) throw new ProtocolError('invalid_value', 'null in a non-nullable array');
    return value;
  }

  readCompactNullableArray<T>(readItem: (reader: Reader) => T): T[] | null {
    const countPlusOne = this.readUnsignedVarInt();
    if (countPlusOne === 0) return null;
    return this.readItems(checkCount(countPlusOne - 1, this.position), readItem);
  }

  /** Reads the tagged-field section; unknown tags are kept as raw views. */
  readTaggedFields(): TaggedFields | undefined {
    const count = this.readUnsignedVarInt();
    if (count === 0) return undefined;
    if (count > taggedFieldsMax) {
      throw new ProtocolError('oversized', `${count} tagged fields, limit ${taggedFieldsMax}`);
    }
    const fields: TaggedFields = new Map();
    for (let index = 0; index < count; index++) {
      const tag = this.readUnsignedVarInt();
      const size = this.readUnsignedVarInt();
      fields.set(tag, this.readRaw(checkLength(size, this.position)));
    }
    return fields;
  }

  private readItems<T>(count: number, readItem: (reader: Reader) => T): T[] {
    // Each item takes at least one byte, so a count beyond the remaining bytes is a lie.
    if (count > this.remaining) {
      throw new ProtocolError(
        'truncated',
        `array of ${count} items at ${this.position} but ${this.remaining} bytes remain`,
      );
    }
    const items = new Array<T>(count);
    for (let index = 0; index < count; index++) items[index] = readItem(this);
    return items;
  }

  private readUtf8(length: number): string {
    this.need(length);
    const bytes = this.buffer.subarray(this.position, this.position + length);
    // Invalid UTF-8 would decode to U+FFFD (3 bytes each) and no longer fit when echoed back.
    if (!isUtf8(bytes)) {
      throw new ProtocolError('invalid_value', `string at ${this.position} is not valid UTF-8`);
    }
    const value = bytes.toString('utf8');
    this.position += length;
    return value;
  }
}

/** Reads a big-endian int64 at `position` as a number; throws beyond the safe range. */
export function readInt64At(buffer: Buffer, position: number): number {
  const high = buffer.readInt32BE(position);
  const low = buffer.readUInt32BE(position + 4);
  const value = high * twoTo32 + low;
  if (!Number.isSafeInteger(value)) {
    throw new ProtocolError('unsafe_int64', `int64 at ${position} is beyond 2^53`);
  }
  return value;
}

function toSafeNumber(value: bigint, position: number): number {
  if (value > maxSafe || value < -maxSafe) {
    throw new ProtocolError('unsafe_int64', `varlong ${value} before ${position} is beyond 2^53`);
  }
  return Number(value);
}

function checkLength(length: number, position: number): number {
  if (length < 0) {
    throw new ProtocolError('negative_length', `length ${length} at position ${position}`);
  }
  if (length > fieldBytesMax) {
    throw new ProtocolError('oversized', `length ${length} at ${position} > ${fieldBytesMax}`);
  }
  return length;
}

function checkCount(count: number, position: number): number {
  if (count < 0) {
    throw new ProtocolError('negative_length', `array count ${count} at position ${position}`);
  }
  if (count > arrayLengthMax) {
    throw new ProtocolError('oversized', `array count ${count} at ${position} > ${arrayLengthMax}`);
  }
  return count;
}
