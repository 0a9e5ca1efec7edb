/**
 * Snappy as Kafka writes it: snappy-java's SnappyOutputStream ("xerial" framing), a stream
 * header followed by blocks of raw snappy, each compressing at most snappyXerialBlockBytes.
 *
 *   offset  width  field
 *   0       8      magic              0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00
 *   8       4      version            int32, 1
 *   12      4      compatibleVersion  int32, 1
 *   16      ...    blocks, each:
 *                    4  compressedLength  int32
 *                    n  raw snappy        starts with a uvarint of its uncompressed length
 *
 * Reading follows snappy-java's SnappyInputStream: input without the magic is one raw snappy
 * block (some clients send that and Kafka accepts it); a header may recur between blocks
 * (concatenated streams); empty input is empty output.
 *
 * Bounded: every block declares its uncompressed length up front, so the sum is checked
 * against the limit before a byte is decompressed.
 */
import { compressSync, compress as snappyCompress, uncompress, uncompressSync } from 'snappy';
import { assert } from './assert.js';
import { snappyXerialBlockBytes } from './constants.js';
import { kafkaError } from './error-codes.js';
import { Reader } from './reader.js';

export const XERIAL_MAGIC_OFFSET = 0;
export const XERIAL_VERSION_OFFSET = XERIAL_MAGIC_OFFSET + 8;
export const XERIAL_COMPATIBLE_VERSION_OFFSET = XERIAL_VERSION_OFFSET + 4;
export const XERIAL_BLOCKS_OFFSET = XERIAL_COMPATIBLE_VERSION_OFFSET + 4;
/** Bytes of the int32 that precedes each block. */
export const XERIAL_BLOCK_LENGTH_BYTES = 4;

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_VERSION = 1;
export const XERIAL_COMPATIBLE_VERSION = 1;

/** Compresses `data` into one xerial-framed stream. */
export function compressSnappyXerial(data: Buffer): Buffer {
  return frameBlocks(splitBlocks(data).map((block) => compressSync(block)));
}

export async function compressSnappyXerialAsync(data: Buffer): Promise<Buffer> {
  return frameBlocks(await Promise.all(splitBlocks(data).map((block) => snappyCompress(block))));
}

/** Decompresses framed or unframed snappy; CORRUPT_MESSAGE past `limitBytes`. */
export function decompressSnappy(data: Buffer, limitBytes: number): Buffer {
  const found = findBlocks(data, limitBytes);
  return joinBlocks(
    found,
    found.blocks.map((block) => uncompressSync(block, { asBuffer: true })),
  );
}

export async function decompressSnappyAsync(data: Buffer, limitBytes: number): Promise<Buffer> {
  const found = findBlocks(data, limitBytes);
  const outputs = await Promise.all(
    found.blocks.map((block) => uncompress(block, { asBuffer: true })),
  );
  return joinBlocks(found, outputs);
}

interface SnappyBlocks {
  /** Raw snappy blocks, as views into the input. */
  blocks: Buffer[];
  /** Uncompressed length each block declares. */
  declaredBytes: number[];
  decompressedBytes: number;
}

function splitBlocks(data: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let start = 0; start < data.length; start += snappyXerialBlockBytes) {
    blocks.push(data.subarray(start, start + snappyXerialBlockBytes));
  }
  return blocks;
}

function frameBlocks(blocks: Buffer[]): Buffer {
  let sizeBytes = XERIAL_BLOCKS_OFFSET;
  for (const block of blocks) sizeBytes += XERIAL_BLOCK_LENGTH_BYTES + block.length;
  const output = Buffer.allocUnsafe(sizeBytes);
  XERIAL_MAGIC.copy(output, XERIAL_MAGIC_OFFSET);
  output.writeInt32BE(XERIAL_VERSION, XERIAL_VERSION_OFFSET);
  output.writeInt32BE(XERIAL_COMPATIBLE_VERSION, XERIAL_COMPATIBLE_VERSION_OFFSET);
  let position = XERIAL_BLOCKS_OFFSET;
  for (const block of blocks) {
    output.writeInt32BE(block.length, position);
    block.copy(output, position + XERIAL_BLOCK_LENGTH_BYTES);
    position += XERIAL_BLOCK_LENGTH_BYTES + block.length;
  }
  assert(position === sizeBytes, `xerial frame: sized ${sizeBytes} bytes, wrote ${position}`);
  return output;
}

function findBlocks(data: Buffer, limitBytes: number): SnappyBlocks {
  const found: SnappyBlocks = { blocks: [], declaredBytes: [], decompressedBytes: 0 };
  if (!hasMagicAt(data, 0)) {
    if (data.length > 0) addBlock(found, data, limitBytes);
    return found;
  }
  let position = 0;
  while (position < data.length) {
    position = hasMagicAt(data, position)
      ? readStreamHeader(data, position)
      : readBlock(found, data, position, limitBytes);
  }
  return found;
}

function hasMagicAt(data: Buffer, position: number): boolean {
  const end = position + XERIAL_MAGIC.length;
  return (
    end <= data.length && data.compare(XERIAL_MAGIC, 0, XERIAL_MAGIC.length, position, end) === 0
  );
}

/** Checks the stream header at `position`; returns the position of its first block. */
function readStreamHeader(data: Buffer, position: number): number {
  if (data.length - position < XERIAL_BLOCKS_OFFSET) {
    throw corrupt(`stream header at ${position} needs ${XERIAL_BLOCKS_OFFSET} bytes`, data);
  }
  const version = data.readInt32BE(position + XERIAL_VERSION_OFFSET);
  if (version < XERIAL_VERSION) {
    throw corrupt(`stream header at ${position} has version ${version} < ${XERIAL_VERSION}`, data);
  }
  return position + XERIAL_BLOCKS_OFFSET;
}

/** Records the block at `position`; returns the position after it. */
function readBlock(found: SnappyBlocks, data: Buffer, position: number, limit: number): number {
  const start = position + XERIAL_BLOCK_LENGTH_BYTES;
  if (start > data.length) throw corrupt(`block length at ${position} is cut off`, data);
  const length = data.readInt32BE(position);
  if (length < 0 || length > data.length - start) {
    throw corrupt(`block at ${position} of ${length} bytes, ${data.length - start} remain`, data);
  }
  addBlock(found, data.subarray(start, start + length), limit);
  return start + length;
}

function addBlock(found: SnappyBlocks, block: Buffer, limitBytes: number): void {
  // Raw snappy opens with the uncompressed length as an unsigned varint.
  const declared = new Reader(block).readUnsignedVarInt();
  found.decompressedBytes += declared;
  if (found.decompressedBytes > limitBytes) {
    throw kafkaError(
      'CORRUPT_MESSAGE',
      `snappy records declare ${found.decompressedBytes} bytes or more, more than the limit ` +
        `of ${limitBytes} bytes (decompressedBytesMax)`,
    );
  }
  found.blocks.push(block);
  found.declaredBytes.push(declared);
}

function joinBlocks(found: SnappyBlocks, outputs: (string | Buffer)[]): Buffer {
  const joined = Buffer.allocUnsafe(found.decompressedBytes);
  let position = 0;
  outputs.forEach((output, index) => {
    assert(Buffer.isBuffer(output), 'snappy asBuffer returned a string');
    const declared = found.declaredBytes[index];
    if (output.length !== declared) {
      throw kafkaError(
        'CORRUPT_MESSAGE',
        `snappy block ${index} declares ${declared} bytes but holds ${output.length}`,
      );
    }
    output.copy(joined, position);
    position += output.length;
  });
  return joined;
}

function corrupt(problem: string, data: Buffer) {
  return kafkaError('CORRUPT_MESSAGE', `xerial snappy (${data.length} bytes): ${problem}`);
}
