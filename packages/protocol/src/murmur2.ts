/**
 * Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): the hash the Java producer's
 * default partitioner, librdkafka's `murmur2_random` and kafkajs's DefaultPartitioner apply to
 * a record's key bytes. A keyed record goes to `toPositive(murmur2(key)) % partitionCount`
 * (`keyPartition`), so a key lands on the same partition whichever of these clients sent it.
 *
 * 32-bit arithmetic throughout: Math.imul multiplies modulo 2^32 as Java's int does, and `>>>`
 * is Java's unsigned shift. The result is a signed int32, as Java returns it.
 */
const seed = 0x9747b28c;
const m = 0x5bd1e995;
const r = 24;

export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = seed ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) |
      ((data[i4 + 1]! & 0xff) << 8) |
      ((data[i4 + 2]! & 0xff) << 16) |
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // Kafka's switch on length % 4 falls through from case 3 to case 1.
  const tail = length & ~3;
  const remainder = length & 3;
  if (remainder >= 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (remainder >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (remainder >= 1) {
    h ^= data[tail]! & 0xff;
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

/** The partition Kafka's default partitioner gives a record with this key. */
export function keyPartition(key: Uint8Array, partitionCount: number): number {
  return toPositive(murmur2(key)) % partitionCount;
}
