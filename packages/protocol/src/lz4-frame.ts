/**
 * LZ4 as Kafka writes it for magic 1 and 2 (KIP-57 fixed the header checksum of magic 0):
 * the standard LZ4 frame format (lz4_Frame_format.md), compressed and decompressed by
 * lz4-napi. Multi-byte integers in a frame are little-endian.
 *
 *   offset  width  field
 *   0       4      magic           0x184D2204
 *   4       1      FLG             bits 7-6 version (01), 5 block independence, 4 block
 *                                  checksums, 3 content size, 2 content checksum, 0 dictionary
 *   5       1      BD              bits 6-4 block maximum size: 4 = 64 KiB, 5 = 256 KiB,
 *                                  6 = 1 MiB, 7 = 4 MiB
 *   6       0/8    contentSize     when FLG bit 3
 *   ..      0/4    dictionaryId    when FLG bit 0
 *   ..      1      headerChecksum  (checked by lz4-napi)
 *   ..      ...    blocks, each:
 *                    4  blockSize  bit 31 set = stored uncompressed; 0 ends the blocks
 *                    n  data
 *                    0/4 blockChecksum when FLG bit 4
 *   ..      0/4    contentChecksum when FLG bit 2
 *
 * Kafka writes one frame per batch and lz4-napi decodes only the first frame of its input, so
 * anything after the frame (another frame, a skippable frame, garbage) is refused rather than
 * silently dropped.
 *
 * lz4-napi cannot stop at a size, so the frame is walked first without decompressing: a
 * compressed block yields at most its BD maximum and at most 255 bytes per byte of data (an
 * LZ4 match grows by 255 per length byte), a stored block exactly its size. The bound can
 * overshoot the real size by up to one block (the last, partial one), so a frame is refused
 * with CORRUPT_MESSAGE before anything is allocated only when its bound passes the limit by
 * more than one block maximum; compression.ts then checks the real size. The limit is thus
 * exact, and an allocation never exceeds it by more than one block (4 MiB at most).
 * Malformed frames throw ProtocolError, which compression.ts turns into CORRUPT_MESSAGE like
 * lz4-napi's own complaints.
 */
import { compressFrame, compressFrameSync, decompressFrame, decompressFrameSync } from 'lz4-napi';
import { kafkaError } from './error-codes.js';
import { ProtocolError } from './protocol-error.js';

export const LZ4_MAGIC_OFFSET = 0;
export const LZ4_FLG_OFFSET = LZ4_MAGIC_OFFSET + 4;
export const LZ4_BD_OFFSET = LZ4_FLG_OFFSET + 1;
export const LZ4_OPTIONAL_FIELDS_OFFSET = LZ4_BD_OFFSET + 1;

export const LZ4_FRAME_MAGIC = 0x184d2204;
export const LZ4_VERSION = 1;

const MAGIC_BYTES = 4;
const CONTENT_SIZE_BYTES = 8;
const DICTIONARY_ID_BYTES = 4;
const HEADER_CHECKSUM_BYTES = 1;
const BLOCK_SIZE_BYTES = 4;
const CHECKSUM_BYTES = 4;

export const LZ4_FLG_VERSION_SHIFT = 6;
export const LZ4_FLG_BLOCK_INDEPENDENCE_MASK = 0x20;
export const LZ4_FLG_BLOCK_CHECKSUM_MASK = 0x10;
export const LZ4_FLG_CONTENT_SIZE_MASK = 0x08;
export const LZ4_FLG_CONTENT_CHECKSUM_MASK = 0x04;
export const LZ4_FLG_DICTIONARY_ID_MASK = 0x01;
export const LZ4_BD_BLOCK_MAX_SHIFT = 4;
const BD_BLOCK_MAX_MASK = 0x07;
const BLOCK_UNCOMPRESSED_MASK = 0x80000000;
const BLOCK_DATA_BYTES_MASK = 0x7fffffff;
/** The most bytes one byte of an LZ4 block can expand to. */
const BLOCK_RATIO_MAX = 255;

export function compressLz4(data: Buffer): Buffer {
  return compressFrameSync(data);
}

export function compressLz4Async(data: Buffer): Promise<Buffer> {
  return compressFrame(data);
}

/** Decompresses LZ4 frames, refusing any whose bound exceeds `limitBytes`. */
export function decompressLz4(data: Buffer, limitBytes: number): Buffer {
  checkBound(data, limitBytes);
  return decompressFrameSync(data);
}

export async function decompressLz4Async(data: Buffer, limitBytes: number): Promise<Buffer> {
  checkBound(data, limitBytes);
  return decompressFrame(data);
}

/**
 * The most bytes the one frame in `data` can decompress to. Throws ProtocolError when the
 * frame is cut off, is not an LZ4 frame, or is followed by anything.
 */
export function lz4DecompressedBytesBound(data: Buffer): number {
  return walkOneFrame(data).bound;
}

function walkOneFrame(data: Buffer): FrameWalk {
  need(data, LZ4_MAGIC_OFFSET, MAGIC_BYTES);
  const magic = data.readUInt32LE(LZ4_MAGIC_OFFSET);
  if (magic !== LZ4_FRAME_MAGIC) {
    throw new ProtocolError('invalid_value', `lz4 magic 0x${magic.toString(16)}`);
  }
  const frame = walkFrame(data, LZ4_MAGIC_OFFSET);
  if (frame.end !== data.length) {
    throw new ProtocolError(
      'invalid_value',
      `lz4 frame ends at ${frame.end}, ${data.length - frame.end} bytes follow it`,
    );
  }
  return frame;
}

function checkBound(data: Buffer, limitBytes: number): void {
  const frame = walkOneFrame(data);
  if (frame.bound > limitBytes + frame.blockMaxBytes) {
    throw kafkaError(
      'CORRUPT_MESSAGE',
      `lz4 records may decompress to ${frame.bound} bytes, more than the limit of ` +
        `${limitBytes} bytes (decompressedBytesMax) and a ${frame.blockMaxBytes}-byte block`,
    );
  }
}

interface FrameWalk {
  bound: number;
  blockMaxBytes: number;
  end: number;
}

function walkFrame(data: Buffer, position: number): FrameWalk {
  need(data, position, LZ4_OPTIONAL_FIELDS_OFFSET);
  const flg = data.readUInt8(position + LZ4_FLG_OFFSET);
  const version = flg >>> LZ4_FLG_VERSION_SHIFT;
  if (version !== LZ4_VERSION) {
    throw new ProtocolError('invalid_value', `lz4 frame at ${position}: version ${version}`);
  }
  const blockMaxBytes = blockMaxSizeBytes(data.readUInt8(position + LZ4_BD_OFFSET), position);
  const blockChecksumBytes = flg & LZ4_FLG_BLOCK_CHECKSUM_MASK ? CHECKSUM_BYTES : 0;
  let cursor = position + LZ4_OPTIONAL_FIELDS_OFFSET + HEADER_CHECKSUM_BYTES;
  if (flg & LZ4_FLG_CONTENT_SIZE_MASK) cursor += CONTENT_SIZE_BYTES;
  if (flg & LZ4_FLG_DICTIONARY_ID_MASK) cursor += DICTIONARY_ID_BYTES;
  let bound = 0;
  for (;;) {
    need(data, cursor, BLOCK_SIZE_BYTES);
    const blockSize = data.readUInt32LE(cursor);
    cursor += BLOCK_SIZE_BYTES;
    if (blockSize === 0) break;
    const dataBytes = blockSize & BLOCK_DATA_BYTES_MASK;
    need(data, cursor, dataBytes + blockChecksumBytes);
    bound +=
      (blockSize & BLOCK_UNCOMPRESSED_MASK) !== 0
        ? dataBytes
        : Math.min(blockMaxBytes, dataBytes * BLOCK_RATIO_MAX);
    cursor += dataBytes + blockChecksumBytes;
  }
  const end = cursor + (flg & LZ4_FLG_CONTENT_CHECKSUM_MASK ? CHECKSUM_BYTES : 0);
  need(data, end, 0);
  return { bound, blockMaxBytes, end };
}

/** 64 KiB, 256 KiB, 1 MiB or 4 MiB from the BD byte's codes 4 to 7. */
function blockMaxSizeBytes(bd: number, position: number): number {
  const code = (bd >>> LZ4_BD_BLOCK_MAX_SHIFT) & BD_BLOCK_MAX_MASK;
  if (code < 4) {
    throw new ProtocolError('invalid_value', `lz4 frame at ${position}: block size code ${code}`);
  }
  return 1 << (2 * code + 8);
}

function need(data: Buffer, position: number, byteCount: number): void {
  if (position + byteCount > data.length) {
    throw new ProtocolError(
      'truncated',
      `lz4 needs ${byteCount} bytes at ${position}, ${data.length - position} remain`,
    );
  }
}
