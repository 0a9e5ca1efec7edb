// Proves murmur2 is Kafka's, so keys land where the Java client puts them: the vectors of
// Kafka's UtilsTest.testMurmur2 and the Java-computed table in kafkajs's murmur2.spec.js,
// agreement with kafkajs's independent Long-based murmur2 on seeded random keys of every tail
// length, and partition choices against kafkajs's Java-compatible DefaultPartitioner for many
// keys, as strings and as bytes (ASCII and not), through the allocation-free string path too.
import { createRequire } from 'node:module';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { murmur2KeyScratchBytes } from '../src/constants.js';
import { keyPartition, murmur2, murmur2OfKey, toPositive } from '../src/murmur2.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer,
) => number;

/** Kafka's UtilsTest.testMurmur2 (org.apache.kafka.common.utils). */
const kafkaUtilsTest: Record<string, number> = {
  '21': -973932308,
  foobar: -790332482,
  'a-little-bit-long-string': -985981536,
  'a-little-bit-longer-string': -1486304829,
  lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8: -58897971,
  abc: 479470107,
};

/** Java-computed values from kafkajs's src/producer/partitioners/default/murmur2.spec.js. */
const kafkajsJavaValues: Record<string, number> = {
  '0': 971027396,
  '1': -1993445489,
  '128': -326012175,
  '2187': -1508407203,
  '16384': -325739742,
  '78125': -1654490814,
  '279936': 1462227128,
  '823543': -2014198330,
  '2097152': 607668903,
  '4782969': -1182699775,
  '10000000': -1830336757,
  '19487171': -1603849305,
  '35831808': -857013643,
  '62748517': -1167431028,
  '105413504': -381294639,
  '170859375': -1658323481,
};

describe('murmur2', () => {
  it('matches the values of Kafka UtilsTest and of the Java client', () => {
    for (const [key, expected] of Object.entries({ ...kafkaUtilsTest, ...kafkajsJavaValues })) {
      expect(murmur2(Buffer.from(key)), key).toBe(expected);
      expect(murmur2OfKey(key), key).toBe(expected);
      expect(murmur2OfKey(Buffer.from(key)), key).toBe(expected);
    }
  });

  it('agrees with kafkajs on random keys of 0 to 64 bytes', () => {
    let state = 0x2545f491;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 16;
    };
    for (let index = 0; index < 500; index++) {
      const key = Buffer.alloc(index % 65);
      for (let byte = 0; byte < key.length; byte++) key[byte] = next() & 0xff;
      expect(murmur2(key)).toBe(kafkajsMurmur2(key));
    }
  });

  it('hashes a range of a buffer as the bytes alone', () => {
    const padded = Buffer.from('xxfoobaryy');
    expect(murmur2(padded, 2, 8)).toBe(kafkaUtilsTest.foobar);
    // Every tail length, at an odd start.
    const bytes = Buffer.from('_a-little-bit-longer-string_');
    for (let end = 1; end < bytes.length; end++) {
      expect(murmur2(bytes, 1, end)).toBe(kafkajsMurmur2(bytes.subarray(1, end)));
    }
  });

  it('chooses the partition kafkajs DefaultPartitioner (Java-compatible) chooses', () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const partitionCount of [1, 3, 7, 12, 64]) {
      const partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      for (let index = 0; index < 300; index++) {
        const key = index % 3 === 0 ? `clé-${index}-ü€` : `order-${index}`;
        const expected = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(keyPartition(key, partitionCount)).toBe(expected);
        expect(keyPartition(Buffer.from(key), partitionCount)).toBe(expected);
      }
    }
  });

  it('clears the sign bit rather than negating (Utils.toPositive)', () => {
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(-(2 ** 31))).toBe(0);
    expect(keyPartition('21', 10)).toBe(toPositive(-973932308) % 10);
    expect(keyPartition(Buffer.from('foobar'), 7)).toBe(toPositive(-790332482) % 7);
  });

  it('hashes string keys longer than the scratch buffer', () => {
    const long = 'k'.repeat(murmur2KeyScratchBytes + 1);
    expect(murmur2OfKey(long)).toBe(murmur2(Buffer.from(long)));
    const multiByte = '€'.repeat(Math.ceil(murmur2KeyScratchBytes / 3) + 1);
    expect(murmur2OfKey(multiByte)).toBe(kafkajsMurmur2(Buffer.from(multiByte)));
  });
});
