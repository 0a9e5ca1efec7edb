// Proves every codec round-trips (sync and async), that snappy and lz4 use the framings Kafka
// reads (golden bytes, header bits), and that bombs, garbage and unknown codecs give typed errors.
import zlib from 'node:zlib';
import fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRaw } from 'snappy';
import { describe, expect, it } from 'vitest';
import {
  type CompressionCode,
  CompressionType,
  compress,
  compressAsync,
  compressionName,
  decompress,
  decompressAsync,
  decompressedBytesMax,
  isCompressionAvailable,
  isKafkaError,
  LZ4_FLG_BLOCK_INDEPENDENCE_MASK,
  LZ4_FLG_VERSION_SHIFT,
  lz4DecompressedBytesBound,
  XERIAL_BLOCKS_OFFSET,
  XERIAL_MAGIC,
} from '../src/index.js';
import { bytesArbitrary } from './record-arbitraries.js';

const codecs: CompressionCode[] = [
  CompressionType.none,
  CompressionType.gzip,
  CompressionType.snappy,
  CompressionType.lz4,
  CompressionType.zstd,
];
const available = codecs.filter((code) => isCompressionAvailable(code));
const compressing = available.filter((code) => code !== CompressionType.none);

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

async function expectKafkaErrorAsync(run: () => Promise<unknown>, errorName: string) {
  const error: unknown = await run().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(isKafkaError(error) && error.errorName).toBe(errorName);
}

describe('compression', () => {
  it('round-trips random data through every available codec, sync and async', async () => {
    expect(available).toEqual(expect.arrayContaining([0, 1, 2, 3]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...available), bytesArbitrary(4096), async (code, data) => {
        const compressed = compress(code, data);
        expect(decompress(code, compressed).equals(data)).toBe(true);
        expect((await decompressAsync(code, compressed)).equals(data)).toBe(true);
        expect(decompress(code, await compressAsync(code, data)).equals(data)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('round-trips large inputs that span many snappy and lz4 blocks', () => {
    const data = Buffer.alloc(1_000_000);
    for (let index = 0; index < data.length; index++) data[index] = (index * 7) % 251;
    for (const code of compressing) {
      // Buffer.equals: vitest's toEqual walks a megabyte element by element, for seconds.
      expect(decompress(code, compress(code, data)).equals(data)).toBe(true);
    }
  });

  it('frames snappy as snappy-java does: golden bytes for a small input', () => {
    const framed = compress(CompressionType.snappy, Buffer.from('hello'));
    const golden = Buffer.from(
      // magic 0x82 "SNAPPY" 0x00, version 1, compatible version 1,
      // one block of 7 bytes: uvarint length 5, literal tag (5 - 1) << 2, "hello".
      '82534e4150505900' + '00000001' + '00000001' + '00000007' + '0510' + '68656c6c6f',
      'hex',
    );
    expect(framed).toEqual(golden);
    expect(decompress(CompressionType.snappy, golden).toString()).toBe('hello');
  });

  it('splits snappy into 32 KiB blocks, each declaring its length', () => {
    const data = Buffer.alloc(70_000, 0x61);
    const framed = compress(CompressionType.snappy, data);
    expect(framed.subarray(0, XERIAL_MAGIC.length)).toEqual(XERIAL_MAGIC);
    const declared: number[] = [];
    let position = XERIAL_BLOCKS_OFFSET;
    while (position < framed.length) {
      const length = framed.readInt32BE(position);
      const varint = framed.subarray(position + 4, position + 7);
      // Three-byte uvarints: 32,768 is 0x80 0x80 0x02 and 4,464 is 0xf0 0x22 (and a literal).
      const [low = 0, middle = 0, high = 0] = varint;
      const value = (low & 0x7f) | ((middle & 0x7f) << 7);
      declared.push(middle & 0x80 ? value | ((high & 0x7f) << 14) : value);
      position += 4 + length;
    }
    expect(position).toBe(framed.length);
    expect(declared).toEqual([32_768, 32_768, 70_000 - 65_536]);
  });

  it('accepts unframed snappy, concatenated xerial streams and empty input', () => {
    const data = Buffer.from('unframed snappy from a client that skips the xerial header');
    expect(decompress(CompressionType.snappy, snappyRaw(data))).toEqual(data);
    const twice = Buffer.concat([
      compress(CompressionType.snappy, data),
      compress(CompressionType.snappy, data),
    ]);
    expect(decompress(CompressionType.snappy, twice)).toEqual(Buffer.concat([data, data]));
    expect(decompress(CompressionType.snappy, Buffer.alloc(0))).toEqual(Buffer.alloc(0));
  });

  it('writes LZ4 frames with independent blocks, which Kafka requires', () => {
    const framed = compress(CompressionType.lz4, Buffer.alloc(200_000, 1));
    expect(framed.readUInt32LE(0)).toBe(0x184d2204);
    const flg = framed[4]!;
    expect(flg >>> LZ4_FLG_VERSION_SHIFT).toBe(1);
    expect(flg & LZ4_FLG_BLOCK_INDEPENDENCE_MASK).not.toBe(0);
  });

  it('walks LZ4 frames with checksums and refuses anything after the frame', () => {
    const data = Buffer.from('lz4 with every optional field '.repeat(50));
    const checked = compressFrameSync(data, { contentChecksum: true, blockChecksums: true });
    expect(decompress(CompressionType.lz4, checked).equals(data)).toBe(true);
    expect(lz4DecompressedBytesBound(checked)).toBeGreaterThanOrEqual(data.length);
    // lz4-napi would decode the first frame and drop the rest without a word.
    const twoFrames = Buffer.concat([checked, checked]);
    expectKafkaError(
      () => decompress(CompressionType.lz4, twoFrames),
      'CORRUPT_MESSAGE',
      new RegExp(`frame ends at ${checked.length}, ${checked.length} bytes follow it`),
    );
  });

  it('relies on lz4-napi refusing a block that outgrows the BD maximum, as it does', () => {
    // The walk bounds a compressed block by the frame's BD maximum: check the decoder holds
    // it. Rewrite BD from 4 MiB to 64 KiB (and the header checksum) under a 1 MB block.
    const frame = Buffer.from(compress(CompressionType.lz4, Buffer.alloc(1_000_000)));
    expect(frame[5]).toBe(0x70);
    frame[5] = 0x40;
    frame[6] = (xxh32(frame.subarray(4, 6)) >>> 8) & 0xff;
    expectKafkaError(() => decompress(CompressionType.lz4, frame), 'CORRUPT_MESSAGE', /Output/);
  });

  it('bounds the LZ4 walk by block size: within one block of the real size', () => {
    const data = Buffer.alloc(1_000_000, 3);
    const bound = lz4DecompressedBytesBound(compress(CompressionType.lz4, data));
    expect(bound).toBeGreaterThanOrEqual(data.length);
    expect(bound).toBeLessThanOrEqual(data.length + 4 * 1024 * 1024);
  });

  it('refuses a bomb past the limit with CORRUPT_MESSAGE, and accepts exactly the limit', () => {
    const data = Buffer.alloc(1024 * 1024);
    for (const code of compressing) {
      const compressed = compress(code, data);
      expectKafkaError(() => decompress(code, compressed, 64 * 1024), 'CORRUPT_MESSAGE', /limit/);
      expect(decompress(code, compressed, data.length).equals(data)).toBe(true);
    }
  });

  it('refuses a bomb past decompressedBytesMax by default, async too', async () => {
    const bomb = Buffer.alloc(decompressedBytesMax + 1);
    for (const code of compressing) {
      const compressed = compress(code, bomb);
      // Snappy tops out near 21:1; gzip and lz4 go past 250:1.
      expect(compressed.length).toBeLessThan(bomb.length / 20);
      expectKafkaError(() => decompress(code, compressed), 'CORRUPT_MESSAGE', /limit|more than/);
      await expectKafkaErrorAsync(() => decompressAsync(code, compressed), 'CORRUPT_MESSAGE');
    }
  });

  it('refuses an LZ4 frame from its block walk alone when it passes the limit by a block', () => {
    const compressed = compress(CompressionType.lz4, Buffer.alloc(16 * 1024 * 1024));
    expectKafkaError(
      () => decompress(CompressionType.lz4, compressed, 1024 * 1024),
      'CORRUPT_MESSAGE',
      /may decompress to \d+ bytes, more than the limit of 1048576/,
    );
  });

  it('refuses a snappy block whose declared length is over the limit before decompressing', () => {
    // A raw block claiming 2^32 - 1 bytes; snappy would try to allocate them.
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expectKafkaError(() => decompress(CompressionType.snappy, claim), 'CORRUPT_MESSAGE', /limit/);
  });

  it('gives CORRUPT_MESSAGE for garbage and for damaged compressed data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...compressing),
        bytesArbitrary(256),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.boolean(),
        async (code, data, flips, garbage) => {
          const damaged = garbage ? Buffer.from(data) : Buffer.from(compress(code, data));
          for (const [at, xor] of flips) {
            if (damaged.length > 0) damaged[at % damaged.length]! ^= xor;
          }
          for (const run of [
            async () => decompress(code, damaged),
            () => decompressAsync(code, damaged),
          ]) {
            const outcome: unknown = await run().then(
              (output) => output,
              (error: unknown) => error,
            );
            if (!Buffer.isBuffer(outcome)) {
              expect(isKafkaError(outcome) && outcome.errorName).toBe('CORRUPT_MESSAGE');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the truncation of a snappy stream header and block', () => {
    const framed = compress(CompressionType.snappy, Buffer.from('abc'));
    expectKafkaError(
      () => decompress(CompressionType.snappy, framed.subarray(0, 12)),
      'CORRUPT_MESSAGE',
      /stream header at 0 needs 16 bytes/,
    );
    expectKafkaError(
      () => decompress(CompressionType.snappy, framed.subarray(0, framed.length - 1)),
      'CORRUPT_MESSAGE',
      /block at 16 of 5 bytes, 4 remain/,
    );
  });

  it('gives UNSUPPORTED_COMPRESSION_TYPE for codes that are not Kafka codecs', async () => {
    for (const code of [5, 6, 7, -1, 1.5, Number.NaN]) {
      expectKafkaError(() => decompress(code, Buffer.alloc(4)), 'UNSUPPORTED_COMPRESSION_TYPE');
      expectKafkaError(
        () => compress(code as CompressionCode, Buffer.alloc(4)),
        'UNSUPPORTED_COMPRESSION_TYPE',
      );
      await expectKafkaErrorAsync(
        () => decompressAsync(code, Buffer.alloc(4)),
        'UNSUPPORTED_COMPRESSION_TYPE',
      );
      await expectKafkaErrorAsync(
        () => compressAsync(code as CompressionCode, Buffer.alloc(4)),
        'UNSUPPORTED_COMPRESSION_TYPE',
      );
      expect(isCompressionAvailable(code)).toBe(false);
    }
    expect(codecs.map(compressionName)).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(compressionName(7)).toBe('unknown codec 7');
  });

  it('uses zstd where Node has it and says why not where it does not', async () => {
    const zstd = CompressionType.zstd;
    const data = Buffer.from('zstd '.repeat(100));
    if ('zstdCompressSync' in zlib) {
      expect(decompress(zstd, compress(zstd, data))).toEqual(data);
      return;
    }
    expect(isCompressionAvailable(zstd)).toBe(false);
    expectKafkaError(() => compress(zstd, data), 'UNSUPPORTED_COMPRESSION_TYPE', /Node >= 22/);
    expectKafkaError(() => decompress(zstd, data), 'UNSUPPORTED_COMPRESSION_TYPE', /Node >= 22/);
    await expectKafkaErrorAsync(() => compressAsync(zstd, data), 'UNSUPPORTED_COMPRESSION_TYPE');
    await expectKafkaErrorAsync(() => decompressAsync(zstd, data), 'UNSUPPORTED_COMPRESSION_TYPE');
  });

  it('passes none through without copying', () => {
    const data = Buffer.from('as is');
    expect(compress(CompressionType.none, data)).toBe(data);
    expect(decompress(CompressionType.none, data)).toBe(data);
  });
});

/** xxHash32, for the LZ4 frame header checksum: (xxh32(FLG, BD, ...) >> 8) & 0xff. */
function xxh32(input: Buffer, seed = 0): number {
  const primes = [2654435761, 2246822519, 3266489917, 668265263, 374761393] as const;
  const [p1, p2, p3, p4, p5] = primes;
  const rotl = (value: number, bits: number) => ((value << bits) | (value >>> (32 - bits))) >>> 0;
  const round = (acc: number, lane: number) =>
    Math.imul(rotl((acc + Math.imul(lane, p2)) >>> 0, 13), p1) >>> 0;
  let index = 0;
  let hash: number;
  if (input.length >= 16) {
    const lanes = [seed + p1 + p2, seed + p2, seed, seed - p1].map((lane) => lane >>> 0);
    for (; index + 16 <= input.length; index += 16) {
      for (let lane = 0; lane < 4; lane++) {
        lanes[lane] = round(lanes[lane] ?? 0, input.readUInt32LE(index + 4 * lane));
      }
    }
    const [a = 0, b = 0, c = 0, d = 0] = lanes;
    hash = (rotl(a, 1) + rotl(b, 7) + rotl(c, 12) + rotl(d, 18)) >>> 0;
  } else {
    hash = (seed + p5) >>> 0;
  }
  hash = (hash + input.length) >>> 0;
  for (; index + 4 <= input.length; index += 4) {
    hash = Math.imul(rotl((hash + Math.imul(input.readUInt32LE(index), p3)) >>> 0, 17), p4);
  }
  for (; index < input.length; index++) {
    hash = Math.imul(rotl((hash + Math.imul(input[index] ?? 0, p5)) >>> 0, 11), p1);
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, p2);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, p3);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
