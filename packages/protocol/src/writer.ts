/**
 * A growable writer for Kafka's primitive types; the layouts are drawn in reader.ts.
 *
 * It owns one Buffer that doubles when full. `finish()` returns a view of the bytes written;
 * `reset()` lets a caller reuse the allocation for the next message (hot paths keep one
 * writer per connection).
 *
 * Large payloads can be written by reference instead of copied (`writeRawShared`, used for a
 * fetch's record batches): the writer then holds a list of splices, and `finishParts()` returns
 * the message as parts to write back to back (a socket's writev), its own bytes between the
 * shared buffers. `position` counts only the bytes in its own buffer, so codecs that measure
 * or patch what they wrote keep working; `byteLength` counts everything.
 */
import { assert } from './assert.js';
import { writerInitialBytes, writerSharedBytesMin } from './constants.js';
import type { TaggedFields } from './reader.js';

const twoTo32 = 2 ** 32;

/** A buffer written by reference, after `position` bytes of the writer's own buffer. */
interface Splice {
  position: number;
  bytes: Buffer;
}

export class Writer {
  private buffer: Buffer;
  /** Position of the next byte of the writer's own buffer; without splices, the bytes written. */
  position = 0;
  private splices: Splice[] = [];
  private splicedBytes = 0;

  constructor(initialBytes = writerInitialBytes) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.position = 0;
    this.splices = [];
    this.splicedBytes = 0;
  }

  /** Bytes written so far, those written by reference included. */
  get byteLength(): number {
    return this.position + this.splicedBytes;
  }

  /**
   * The bytes written so far, as a view (valid until the next write or reset). With shared
   * buffers spliced in, they are copied into one new buffer (use `finishParts` to avoid that).
   */
  finish(): Buffer {
    if (this.splices.length > 0) return Buffer.concat(this.finishParts(), this.byteLength);
    return this.buffer.subarray(0, this.position);
  }

  /**
   * The bytes written so far as parts to write back to back: views of the writer's buffer
   * (valid until the next write or reset) between the buffers written by reference. One part
   * when nothing was shared.
   */
  finishParts(): Buffer[] {
    return this.partsOf(this.buffer);
  }

  /**
   * As `finishParts`, but the parts stay valid after the writer is reused: the writer's own
   * bytes are copied into one new buffer (one small copy when the large payloads were shared),
   * for a message queued to be written later.
   */
  finishPartsCopy(): Buffer[] {
    return this.partsOf(Buffer.from(this.buffer.subarray(0, this.position)));
  }

  /** The parts of the message with `own` holding the writer's own bytes. */
  private partsOf(own: Buffer): Buffer[] {
    const parts: Buffer[] = [];
    let from = 0;
    for (const splice of this.splices) {
      if (splice.position > from) parts.push(own.subarray(from, splice.position));
      parts.push(splice.bytes);
      from = splice.position;
    }
    if (this.position > from || parts.length === 0) {
      parts.push(own.subarray(from, this.position));
    }
    return parts;
  }

  /** The bytes written so far, copied into a buffer of their own. */
  finishCopy(): Buffer {
    return Buffer.from(this.finish());
  }

  /** Makes room for `byteCount` more bytes. */
  ensure(byteCount: number): void {
    const needed = this.position + byteCount;
    if (needed <= this.buffer.length) return;
    // max(1, ..): a writer created with 0 bytes would otherwise double 0 forever.
    let size = Math.max(1, this.buffer.length) * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  writeInt8(value: number): void {
    this.ensure(1);
    this.buffer.writeInt8(value, this.position);
    this.position += 1;
  }

  writeUInt8(value: number): void {
    this.ensure(1);
    this.buffer.writeUInt8(value, this.position);
    this.position += 1;
  }

  writeBoolean(value: boolean): void {
    this.writeInt8(value ? 1 : 0);
  }

  writeInt16(value: number): void {
    this.ensure(2);
    this.buffer.writeInt16BE(value, this.position);
    this.position += 2;
  }

  writeUInt16(value: number): void {
    this.ensure(2);
    this.buffer.writeUInt16BE(value, this.position);
    this.position += 2;
  }

  writeInt32(value: number): void {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.position);
    this.position += 4;
  }

  writeUInt32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32BE(value, this.position);
    this.position += 4;
  }

  /** A safe-integer number as a big-endian int64. */
  writeInt64(value: number): void {
    this.ensure(8);
    writeInt64At(this.buffer, value, this.position);
    this.position += 8;
  }

  writeBigInt64(value: bigint): void {
    this.ensure(8);
    this.buffer.writeBigInt64BE(value, this.position);
    this.position += 8;
  }

  writeFloat64(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleBE(value, this.position);
    this.position += 8;
  }

  writeUnsignedVarInt(value: number): void {
    assert(value >= 0 && value <= 0xffffffff, `unsigned varint out of range: ${value}`);
    this.ensure(5);
    let remaining = value >>> 0;
    while (remaining > 0x7f) {
      this.buffer[this.position++] = (remaining & 0x7f) | 0x80;
      remaining >>>= 7;
    }
    this.buffer[this.position++] = remaining;
  }

  /** A signed int32, zigzag-encoded. */
  writeVarInt(value: number): void {
    this.writeUnsignedVarInt(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** A signed safe integer, zigzag-encoded as a varlong (BigInt keeps all 64 bits). */
  writeVarLong(value: number): void {
    assert(Number.isSafeInteger(value), `varlong not a safe integer: ${value}`);
    if (value >= 0 && value < 2 ** 31) {
      this.writeUnsignedVarInt(value * 2);
      return;
    }
    const big = BigInt(value);
    let remaining = BigInt.asUintN(64, (big << 1n) ^ (big >> 63n));
    this.ensure(10);
    while (remaining > 0x7fn) {
      this.buffer[this.position++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.buffer[this.position++] = Number(remaining);
  }

  writeUuid(value: Buffer): void {
    assert(value.length === 16, `uuid of ${value.length} bytes`);
    this.writeRaw(value);
  }

  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  /**
   * Writes `bytes` by reference when they are large (at least `sharedBytesMin`, by default
   * writerSharedBytesMin), else copies them. A shared buffer must not change until the message
   * is written out.
   */
  writeRawShared(bytes: Buffer, sharedBytesMin = writerSharedBytesMin): void {
    if (bytes.length < sharedBytesMin) {
      this.writeRaw(bytes);
      return;
    }
    this.splices.push({ position: this.position, bytes });
    this.splicedBytes += bytes.length;
  }

  writeString(value: string): void {
    this.writeNullableString(value);
  }

  writeNullableString(value: string | null): void {
    if (value === null) {
      this.writeInt16(-1);
      return;
    }
    const length = Buffer.byteLength(value);
    this.writeInt16(length);
    this.writeUtf8(value, length);
  }

  writeCompactString(value: string): void {
    this.writeCompactNullableString(value);
  }

  writeCompactNullableString(value: string | null): void {
    if (value === null) {
      this.writeUnsignedVarInt(0);
      return;
    }
    const length = Buffer.byteLength(value);
    this.writeUnsignedVarInt(length + 1);
    this.writeUtf8(value, length);
  }

  writeBytes(value: Uint8Array): void {
    this.writeNullableBytes(value);
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeInt32(-1);
      return;
    }
    this.writeInt32(value.length);
    this.writeRaw(value);
  }

  writeCompactBytes(value: Uint8Array): void {
    this.writeCompactNullableBytes(value);
  }

  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeUnsignedVarInt(0);
      return;
    }
    this.writeUnsignedVarInt(value.length + 1);
    this.writeRaw(value);
  }

  /** Varint-length bytes inside a record (-1 = null). */
  writeVarIntBytes(value: Uint8Array | null): void {
    if (value === null) {
      this.writeVarInt(-1);
      return;
    }
    this.writeVarInt(value.length);
    this.writeRaw(value);
  }

  /** A varint-length UTF-8 string inside a record header (never null). */
  writeVarIntString(value: string): void {
    const length = Buffer.byteLength(value);
    this.writeVarInt(length);
    this.writeUtf8(value, length);
  }

  writeArray<T>(items: readonly T[], writeItem: (writer: Writer, item: T) => void): void {
    this.writeNullableArray(items, writeItem);
  }

  writeNullableArray<T>(
    items: readonly T[] | null,
    writeItem: (writer: Writer, item: T) => void,
  ): void {
    if (items === null) {
      this.writeInt32(-1);
      return;
    }
    this.writeInt32(items.length);
    for (const item of items) writeItem(this, item);
  }

  writeCompactArray<T>(items: readonly T[], writeItem: (writer: Writer, item: T) => void): void {
    this.writeCompactNullableArray(items, writeItem);
  }

  writeCompactNullableArray<T>(
    items: readonly T[] | null,
    writeItem: (writer: Writer, item: T) => void,
  ): void {
    if (items === null) {
      this.writeUnsignedVarInt(0);
      return;
    }
    this.writeUnsignedVarInt(items.length + 1);
    for (const item of items) writeItem(this, item);
  }

  /** Writes a tagged-field section; with no fields it is the single byte 0. */
  writeTaggedFields(fields?: TaggedFields): void {
    if (fields === undefined || fields.size === 0) {
      this.writeUnsignedVarInt(0);
      return;
    }
    const tags = [...fields.keys()].sort((a, b) => a - b);
    this.writeUnsignedVarInt(tags.length);
    for (const tag of tags) {
      const value = fields.get(tag)!;
      this.writeUnsignedVarInt(tag);
      this.writeUnsignedVarInt(value.length);
      this.writeRaw(value);
    }
  }

  /** Reserves 4 bytes for an int32 filled in later by `patchInt32`; returns their position. */
  reserveInt32(): number {
    this.ensure(4);
    const position = this.position;
    this.position += 4;
    return position;
  }

  /** Writes an int32 at `position` of the writer's own buffer (splices are not counted). */
  patchInt32(position: number, value: number): void {
    assert(position + 4 <= this.position, `patch at ${position} beyond ${this.position}`);
    this.buffer.writeInt32BE(value, position);
  }

  private writeUtf8(value: string, length: number): void {
    this.ensure(length);
    this.buffer.write(value, this.position, length, 'utf8');
    this.position += length;
  }
}

/** Writes a safe-integer number as a big-endian int64 at `position`. */
export function writeInt64At(buffer: Buffer, value: number, position: number): void {
  assert(Number.isSafeInteger(value), `int64 not a safe integer: ${value}`);
  const high = Math.floor(value / twoTo32);
  const low = value - high * twoTo32;
  buffer.writeInt32BE(high, position);
  buffer.writeUInt32BE(low, position + 4);
}

/** Bytes `writeUnsignedVarInt(value)` takes. */
export function unsignedVarIntSizeBytes(value: number): number {
  let remaining = value >>> 0;
  let byteCount = 1;
  while (remaining > 0x7f) {
    remaining >>>= 7;
    byteCount++;
  }
  return byteCount;
}

/** Bytes `writeVarInt(value)` takes: the zigzag form of an int32. */
export function varIntSizeBytes(value: number): number {
  return unsignedVarIntSizeBytes(((value << 1) ^ (value >> 31)) >>> 0);
}

/**
 * Bytes `writeVarLong(value)` takes. Zigzag is 2v or -2v - 1; below 2^54 a double holds it
 * closely enough to count 7-bit groups without BigInt.
 */
export function varLongSizeBytes(value: number): number {
  let remaining = value >= 0 ? value * 2 : -value * 2 - 1;
  let byteCount = 1;
  while (remaining >= 0x80) {
    remaining = Math.floor(remaining / 0x80);
    byteCount++;
  }
  return byteCount;
}
