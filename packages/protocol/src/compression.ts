/**
 * Kafka's compression codecs, chosen by bits 0-2 of a batch's attributes. Each compresses the
 * records section of a batch as a whole (record-batch.ts); the container formats:
 *
 *   code  codec   format                                            library
 *   0     none    the records as they are                           -
 *   1     gzip    RFC 1952 gzip, as Java's GZIPOutputStream         node:zlib
 *   2     snappy  snappy-java's xerial framing (snappy-xerial.ts)   snappy
 *   3     lz4     LZ4 frame format (lz4-frame.ts)                   lz4-napi
 *   4     zstd    zstd frames (RFC 8878)                            node:zlib, Node >= 22.15
 *
 * Decompression is bounded by `limitBytes` (decompressedBytesMax unless given) before the
 * output is allocated: zlib's maxOutputLength for gzip and zstd, the block lengths snappy
 * declares, the frame walk for lz4. Every codec's output is checked against it after too.
 *
 * Errors: UNSUPPORTED_COMPRESSION_TYPE for a code that is not Kafka's or that this Node
 * cannot run (zstd before 22.15); CORRUPT_MESSAGE for data that does not decompress or would
 * exceed the limit. Assertion failures pass through unchanged.
 */
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { assert, isAssertionError } from './assert.js';
import { decompressedBytesMax } from './constants.js';
import { isKafkaError, kafkaError } from './error-codes.js';
import { compressLz4, compressLz4Async, decompressLz4, decompressLz4Async } from './lz4-frame.js';
import type { CompressionCode } from './record-batch-header.js';
import {
  compressSnappyXerial,
  compressSnappyXerialAsync,
  decompressSnappy,
  decompressSnappyAsync,
} from './snappy-xerial.js';

interface Codec {
  readonly name: string;
  /** False for zstd on a Node without it: every call then throws UNSUPPORTED_COMPRESSION_TYPE. */
  readonly available: boolean;
  compress(data: Buffer): Buffer;
  compressAsync(data: Buffer): Promise<Buffer>;
  decompress(data: Buffer, limitBytes: number): Buffer;
  decompressAsync(data: Buffer, limitBytes: number): Promise<Buffer>;
}

interface ZlibLimit {
  maxOutputLength?: number;
}
type ZlibSync = (data: Buffer, options?: ZlibLimit) => Buffer;
type ZlibCallback = (
  data: Buffer,
  options: ZlibLimit,
  callback: (error: Error | null, result: Buffer) => void,
) => void;

/** zlib's zstd functions, which @types/node 20 does not declare and Node 20 does not have. */
interface ZstdBindings {
  zstdCompressSync?: ZlibSync;
  zstdDecompressSync?: ZlibSync;
  zstdCompress?: ZlibCallback;
  zstdDecompress?: ZlibCallback;
}

const noneCodec: Codec = {
  name: 'none',
  available: true,
  compress: (data) => data,
  compressAsync: async (data) => data,
  decompress: (data) => data,
  decompressAsync: async (data) => data,
};

const codecs: readonly Codec[] = [
  noneCodec,
  zlibCodec('gzip', zlib.gzipSync, zlib.gzip, zlib.gunzipSync, zlib.gunzip),
  {
    name: 'snappy',
    available: true,
    compress: compressSnappyXerial,
    compressAsync: compressSnappyXerialAsync,
    decompress: decompressSnappy,
    decompressAsync: decompressSnappyAsync,
  },
  {
    name: 'lz4',
    available: true,
    compress: compressLz4,
    compressAsync: compressLz4Async,
    decompress: decompressLz4,
    decompressAsync: decompressLz4Async,
  },
  zstdCodec(zlib as unknown as ZstdBindings),
];

/** Compresses a records section with the codec `code`. */
export function compress(code: CompressionCode, data: Buffer): Buffer {
  return codecFor(code).compress(data);
}

/** compress() off the main thread where the library allows (gzip, snappy, lz4, zstd). */
export async function compressAsync(code: CompressionCode, data: Buffer): Promise<Buffer> {
  return codecFor(code).compressAsync(data);
}

/** Decompresses a records section, refusing output beyond `limitBytes`. */
export function decompress(
  code: number,
  data: Buffer,
  limitBytes: number = decompressedBytesMax,
): Buffer {
  const codec = codecFor(code);
  checkLimit(limitBytes);
  let output: Buffer;
  try {
    output = codec.decompress(data, limitBytes);
  } catch (error) {
    throw decompressionError(codec, data, limitBytes, error);
  }
  return checkOutput(codec, output, limitBytes);
}

/** decompress() off the main thread where the library allows; the same bounds and errors. */
export async function decompressAsync(
  code: number,
  data: Buffer,
  limitBytes: number = decompressedBytesMax,
): Promise<Buffer> {
  const codec = codecFor(code);
  checkLimit(limitBytes);
  let output: Buffer;
  try {
    output = await codec.decompressAsync(data, limitBytes);
  } catch (error) {
    throw decompressionError(codec, data, limitBytes, error);
  }
  return checkOutput(codec, output, limitBytes);
}

/** 'gzip' for 1; `unknown codec 7` for a code that is not Kafka's. */
export function compressionName(code: number): string {
  return codecs[code]?.name ?? `unknown codec ${code}`;
}

/** Whether this process can compress and decompress with `code` (zstd needs Node 22.15). */
export function isCompressionAvailable(code: number): boolean {
  return codecs[code]?.available ?? false;
}

function codecFor(code: number): Codec {
  const codec = codecs[code];
  if (codec === undefined) {
    throw kafkaError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `compression code ${code} is not Kafka's (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)`,
    );
  }
  return codec;
}

function zlibCodec(
  name: string,
  compressSync: ZlibSync,
  compressCallback: ZlibCallback,
  decompressSync: ZlibSync,
  decompressCallback: ZlibCallback,
): Codec {
  return {
    name,
    available: true,
    compress: (data) => compressSync(data),
    compressAsync: (data) => callZlib(compressCallback, data, {}),
    decompress: (data, limitBytes) => decompressSync(data, { maxOutputLength: limitBytes }),
    decompressAsync: (data, limitBytes) =>
      callZlib(decompressCallback, data, { maxOutputLength: limitBytes }),
  };
}

function callZlib(run: ZlibCallback, data: Buffer, options: ZlibLimit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    run(data, options, (error, result) => (error === null ? resolve(result) : reject(error)));
  });
}

function zstdCodec(bindings: ZstdBindings): Codec {
  const { zstdCompressSync, zstdDecompressSync, zstdCompress, zstdDecompress } = bindings;
  if (zstdCompressSync && zstdDecompressSync && zstdCompress && zstdDecompress) {
    return zlibCodec('zstd', zstdCompressSync, zstdCompress, zstdDecompressSync, zstdDecompress);
  }
  const unavailable = (): never => {
    throw kafkaError(
      'UNSUPPORTED_COMPRESSION_TYPE',
      `zstd needs zlib.zstdCompressSync (Node >= 22.15 or 23.8); this is Node ` +
        `${process.versions.node}`,
    );
  };
  return {
    name: 'zstd',
    available: false,
    compress: unavailable,
    compressAsync: async () => unavailable(),
    decompress: unavailable,
    decompressAsync: async () => unavailable(),
  };
}

function checkLimit(limitBytes: number): void {
  assert(
    Number.isSafeInteger(limitBytes) && limitBytes >= 1 && limitBytes <= bufferConstants.MAX_LENGTH,
    `decompression limit ${limitBytes} outside [1, ${bufferConstants.MAX_LENGTH}]`,
  );
}

function checkOutput(codec: Codec, output: Buffer, limitBytes: number): Buffer {
  if (output.length > limitBytes) throw tooLarge(codec, limitBytes);
  return output;
}

/** Our own typed errors and assertions pass; a library's complaint becomes CORRUPT_MESSAGE. */
function decompressionError(codec: Codec, data: Buffer, limitBytes: number, error: unknown) {
  if (isKafkaError(error) || isAssertionError(error)) return error;
  if (isBufferTooLarge(error)) return tooLarge(codec, limitBytes);
  const reason = error instanceof Error ? error.message : String(error);
  return kafkaError(
    'CORRUPT_MESSAGE',
    `${codec.name} records (${data.length} bytes) do not decompress: ${reason}`,
  );
}

function tooLarge(codec: Codec, limitBytes: number) {
  return kafkaError(
    'CORRUPT_MESSAGE',
    `${codec.name} records decompress to more than the limit of ${limitBytes} bytes ` +
      '(decompressedBytesMax)',
  );
}

/** zlib's maxOutputLength stops with RangeError ERR_BUFFER_TOO_LARGE. */
function isBufferTooLarge(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    error.code === 'ERR_BUFFER_TOO_LARGE'
  );
}
