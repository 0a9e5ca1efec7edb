// Proves that a batch encoded record by record into one buffer is a valid record batch v2:
// the protocol package's independent decoder (CRC, lengths, every field) reads back the keys,
// values, headers, timestamps, offsets and producer fields, with and without compression (short
// ASCII strings are encoded in JS, longer and non-ASCII ones by Buffer: both read back), that
// the batch hands each record of each call its offset, and that batch buffers come from and go
// back to the producer's pool only once the batch is settled.
import {
  type CompressionCode,
  CompressionType,
  decodeRecordBatch,
  encodeRecordBatch,
  validateBatch,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { shortStringChars } from '../src/constants.js';
import { ProducerBatch } from '../src/producer-batch.js';
import { ProducerBufferPool } from '../src/producer-buffer-pool.js';
import { ProducerCall } from '../src/producer-call.js';
import type { ProducerRecord, RecordMetadata } from '../src/producer-record.js';

function newCall(recordCount: number) {
  let results: RecordMetadata[] | undefined;
  let error: Error | undefined;
  const call = new ProducerCall(
    recordCount,
    (value) => {
      results = value;
    },
    (reason) => {
      error = reason;
    },
  );
  return { call, results: () => results, error: () => error };
}

const records: ProducerRecord[] = [
  {
    key: 'k1',
    value: 'héllo',
    headers: { trace: 'abc', empty: null },
    timestamp: 1_700_000_000_000,
  },
  { key: null, value: Buffer.from([0, 1, 2, 255]), timestamp: 1_700_000_000_005 },
  { key: Buffer.from('k3'), value: null, timestamp: 1_699_999_999_000 },
  {
    value: 'x'.repeat(300),
    headers: [
      { key: 'dup', value: '1' },
      { key: 'dup', value: Buffer.from('2') },
    ],
    timestamp: 1_700_000_000_000 + 2 ** 40,
  },
];

describe('ProducerBatch', () => {
  for (const [name, compression] of Object.entries(CompressionType)) {
    if (name === 'zstd') continue;
    it(`encodes records the protocol decoder reads back (${name})`, () => {
      const { call } = newCall(records.length);
      const batch = new ProducerBatch('t', 0, Date.now(), ProducerBatch.initialCapacity(16_384, 0));
      records.forEach((record, index) => {
        expect(batch.tryAppend(record, record.timestamp!, call, index, 16_384)).toBeGreaterThan(0);
      });
      const bytes = batch.finish(compression as CompressionCode, 42, 3, 7);
      validateBatch(bytes);
      const decoded = decodeRecordBatch(bytes);
      expect(decoded).toMatchObject({
        compression,
        producerId: 42,
        producerEpoch: 3,
        baseSequence: 7,
        recordCount: 4,
        lastOffsetDelta: 3,
        baseTimestamp: 1_700_000_000_000,
        maxTimestamp: 1_700_000_000_000 + 2 ** 40,
        partitionLeaderEpoch: -1,
      });
      const [first, second, third, fourth] = decoded.records;
      expect(first?.key?.toString()).toBe('k1');
      expect(first?.value?.toString()).toBe('héllo');
      expect(first?.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
        ['trace', 'abc'],
        ['empty', null],
      ]);
      expect(second?.key).toBeNull();
      expect([...(second?.value ?? [])]).toEqual([0, 1, 2, 255]);
      expect(third?.value).toBeNull();
      expect(third?.timestamp).toBe(1_699_999_999_000);
      expect(fourth?.value?.toString()).toBe('x'.repeat(300));
      expect(fourth?.headers.map((h) => h.value?.toString())).toEqual(['1', '2']);
      expect(decoded.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2, 3]);
    });
  }

  it('encodes byte for byte what encodeRecordBatch encodes', () => {
    const { call } = newCall(2);
    const batch = new ProducerBatch('t', 0, 0, 64);
    const input = [
      { key: Buffer.from('a'), value: Buffer.from('1'), timestamp: 1000 },
      {
        key: null,
        value: Buffer.from('22'),
        timestamp: 1003,
        headers: [{ key: 'h', value: null }],
      },
    ];
    input.forEach((record, index) => {
      batch.tryAppend(record, record.timestamp, call, index, 1 << 20);
    });
    const ours = batch.finish(CompressionType.none, -1, -1, -1);
    const reference = encodeRecordBatch({ records: input });
    expect(ours.equals(reference)).toBe(true);
  });

  it('refuses a record past the limit unless the batch is empty', () => {
    const { call } = newCall(3);
    const batch = new ProducerBatch('t', 0, 0, 128);
    const big = { value: Buffer.alloc(200) };
    expect(batch.tryAppend(big, 0, call, 0, 100)).toBeGreaterThan(200);
    expect(batch.tryAppend({ value: 'x' }, 0, call, 1, 100)).toBe(0);
    expect(batch.recordCount).toBe(1);
  });

  it('gives every record of every call its offset', () => {
    const a = newCall(3);
    const b = newCall(2);
    const batch = new ProducerBatch('orders', 5, 0, 1024);
    // a0 a1 | b0 | a2 (after b, as interleaved keyed sends could not, but runs must cope) b1
    batch.tryAppend({ value: 'a0' }, 0, a.call, 0, 1 << 20);
    batch.tryAppend({ value: 'a1' }, 0, a.call, 1, 1 << 20);
    batch.tryAppend({ value: 'b0' }, 0, b.call, 0, 1 << 20);
    batch.tryAppend({ value: 'b1' }, 0, b.call, 1, 1 << 20);
    const other = new ProducerBatch('orders', 6, 0, 1024);
    other.tryAppend({ value: 'a2' }, 0, a.call, 2, 1 << 20);
    batch.finish(CompressionType.none, -1, -1, -1);
    batch.complete(100);
    expect(a.results()).toBeUndefined(); // its third record is in the other batch
    expect(b.results()).toEqual([
      { topic: 'orders', partition: 5, offset: 102 },
      { topic: 'orders', partition: 5, offset: 103 },
    ]);
    other.finish(CompressionType.none, -1, -1, -1);
    other.complete(7);
    expect(a.results()).toEqual([
      { topic: 'orders', partition: 5, offset: 100 },
      { topic: 'orders', partition: 5, offset: 101 },
      { topic: 'orders', partition: 6, offset: 7 },
    ]);
  });

  it('rewrites the producer fields with a valid CRC (resequence)', () => {
    const { call } = newCall(1);
    const batch = new ProducerBatch('t', 0, 0, 256);
    batch.tryAppend({ value: 'v' }, 5, call, 0, 1 << 20);
    batch.finish(CompressionType.lz4, 1, 0, 10);
    batch.resequence(9, 1, 0);
    const decoded = decodeRecordBatch(batch.bytes!);
    expect(decoded).toMatchObject({ producerId: 9, producerEpoch: 1, baseSequence: 0 });
  });

  it('encodes strings at the short-ASCII boundary and beyond, ASCII or not', () => {
    const texts: string[] = [];
    for (const length of [0, 1, shortStringChars - 1, shortStringChars, shortStringChars + 1]) {
      texts.push('k'.repeat(length), `${'é'.repeat(length)}`, `${'a'.repeat(length)}€`);
    }
    texts.push('😀', `x${'😀'.repeat(shortStringChars)}`);
    const { call } = newCall(texts.length);
    const batch = new ProducerBatch('t', 0, 0, 64);
    texts.forEach((text, index) => {
      const record = { key: text, value: text, headers: { [text]: text } };
      expect(batch.tryAppend(record, 0, call, index, 1 << 20)).toBeGreaterThan(0);
    });
    const decoded = decodeRecordBatch(batch.finish(CompressionType.none, -1, -1, -1));
    expect(decoded.records.map((record) => record.key?.toString())).toEqual(texts);
    expect(decoded.records.map((record) => record.value?.toString())).toEqual(texts);
    expect(decoded.records.map((record) => record.headers[0]?.key)).toEqual(texts);
  });

  it('takes a pooled buffer and gives it back only once settled', () => {
    const pool = new ProducerBufferPool(4096, 2);
    const pooled = pool.allocate(4096);
    pool.release(pooled);
    pool.release(Buffer.alloc(100)); // not the pool's size: not kept
    expect(pool.freeCount).toBe(1);

    const { call } = newCall(2);
    const batch = new ProducerBatch('t', 0, 0, 1024, pool);
    expect(pool.freeCount).toBe(0);
    batch.tryAppend({ value: 'a' }, 0, call, 0, 4096);
    batch.tryAppend({ value: 'b' }, 0, call, 1, 4096);
    const bytes = batch.finish(CompressionType.none, -1, -1, -1);
    // The batch is written from the pooled buffer itself, which stays out while in flight.
    expect(bytes.buffer).toBe(pooled.buffer);
    expect(pool.freeCount).toBe(0);
    batch.complete(0);
    expect(pool.freeCount).toBe(1);
    expect(pool.allocate(10)).toBe(pooled);
  });

  it('returns the records buffer of a compressed batch at finish, the sent bytes being new', () => {
    const pool = new ProducerBufferPool(4096, 2);
    const { call } = newCall(1);
    const batch = new ProducerBatch('t', 0, 0, 4096, pool);
    batch.tryAppend({ value: 'x'.repeat(500) }, 0, call, 0, 4096);
    const bytes = batch.finish(CompressionType.gzip, -1, -1, -1);
    expect(pool.freeCount).toBe(1);
    // Reusing the returned buffer cannot touch the compressed batch.
    pool.allocate(4096).fill(0xee);
    validateBatch(bytes);
    expect(decodeRecordBatch(bytes).records[0]?.value?.toString()).toBe('x'.repeat(500));
  });

  it('keeps a grown batch buffer of the pool size, up to the pool limit', () => {
    const pool = new ProducerBufferPool(2048, 1);
    const { call } = newCall(40);
    const batch = new ProducerBatch('t', 0, 0, 128, pool);
    for (let index = 0; index < 40; index++) {
      batch.tryAppend({ value: Buffer.alloc(40, index) }, 0, call, index, 2048);
    }
    const decoded = decodeRecordBatch(batch.finish(CompressionType.none, -1, -1, -1));
    expect(decoded.records.map((record) => record.value?.[0])).toEqual(
      Array.from({ length: 40 }, (_, index) => index),
    );
    batch.fail(new Error('dropped'));
    expect(pool.freeCount).toBe(1);
    pool.release(Buffer.alloc(2048));
    expect(pool.freeCount).toBe(1);
  });
});
