/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): the hash the Java producer's
 * default partitioner, librdkafka's `murmur2_random` and kafkajs's DefaultPartitioner apply to
 * a record's key bytes. A keyed record goes to `toPositive(murmur2(key)) % partitionCount`
 * (`keyPartition`; Utils.toPositive, not Math.abs), so a key lands on the same partition
 * whichever of these clients sent it. The broker's HTTP produce route and the client's
 * partitioner both use this one implementation.
 *
 * 32-bit arithmetic throughout: Math.imul multiplies modulo 2^32 as Java's int does, `>>>` is
 * Java's unsigned shift, and the result is a signed int32 as Java returns it. The hash reads
 * `data[start, end)` so that callers can hash a key written into a scratch buffer, and string
 * keys are hashed as their UTF-8 bytes without allocating (murmur2OfKey).
 */
import { murmur2AsciiKeyChars, murmur2KeyScratchBytes } from './constants.js';

const seed = 0x9747b28c;
const m = 0x5bd1e995;
const r = 24;

export function murmur2(data: Uint8Array, start = 0, end = data.length): number {
  const length = end - start;
  let h = seed ^ length;
  const wordsEnd = start + (length & ~3);
  let index = start;
  for (; index < wordsEnd; index += 4) {
    let k =
      data[index]! | (data[index + 1]! << 8) | (data[index + 2]! << 16) | (data[index + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // The 1-3 trailing bytes, as Java's fall-through switch on length % 4.
  const tail = length & 3;
  if (tail === 3) h ^= data[index + 2]! << 16;
  if (tail >= 2) h ^= data[index + 1]! << 8;
  if (tail >= 1) {
    h ^= data[index]!;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which fails on -2^31). */
export function toPositive(value: number): number {
  return value & 0x7fffffff;
}

/**
 * UTF-8 of string keys is written here to be hashed without allocating. Shared by every
 * caller: it is written and hashed in one synchronous step.
 */
const scratch = Buffer.allocUnsafe(murmur2KeyScratchBytes);

/** murmur2 of a key given as bytes or as a string (hashed as its UTF-8 bytes). */
export function murmur2OfKey(key: Uint8Array | string): number {
  if (typeof key !== 'string') return murmur2(key);
  const length = key.length;
  if (length <= murmur2AsciiKeyChars) {
    // A short ASCII key is copied in JS, cheaper than a call into C++ (scratch.write).
    let index = 0;
    for (; index < length; index++) {
      const code = key.charCodeAt(index);
      if (code >= 0x80) break;
      scratch[index] = code;
    }
    if (index === length) return murmur2(scratch, 0, length);
  }
  // A UTF-16 code unit takes at most 3 UTF-8 bytes, so a short string always fits.
  if (key.length * 3 <= scratch.length) return murmur2(scratch, 0, scratch.write(key, 0, 'utf8'));
  return murmur2(Buffer.from(key, 'utf8'));
}

/** The partition Kafka's default partitioner gives a record with this key. */
export function keyPartition(key: Uint8Array | string, partitionCount: number): number {
  return toPositive(murmur2OfKey(key)) % partitionCount;
}
