// Proves murmur2 is Kafka's: the vectors of Kafka's UtilsTest.testMurmur2, and agreement with
// kafkajs's independent Long-based implementation on seeded random keys of every tail length.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { keyPartition, murmur2, toPositive } from '../src/murmur2.js';

const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (
  key: Buffer,
) => number;

describe('murmur2', () => {
  it("matches Kafka's UtilsTest vectors", () => {
    const cases: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
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

  it('partitions by the positive hash', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(keyPartition(Buffer.from('foobar'), 7)).toBe(toPositive(-790332482) % 7);
  });
});
