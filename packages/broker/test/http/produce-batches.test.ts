// Proves the HTTP produce encoder writes, byte for byte, the batch the protocol package's
// encodeRecordBatch writes for the same records (the oracle: a different code path over
// RecordInput objects): seeded random records with multi-byte UTF-8, nulls, headers, base64,
// timestamps far apart (varlong deltas past int32) and records spread over partitions by key
// and by number; and that refusals name the record and the limit.
import {
  decodeRecordBatch,
  encodeRecordBatch,
  keyPartition,
  type RecordInput,
  validateBatch,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { httpKeyScratchBytesMax } from '../../src/constants.js';
import { HttpError } from '../../src/http/http-errors.js';
import { encodeProduceBatches, type ProducedRecord } from '../../src/http/produce-batches.js';
import type { RecordFormat } from '../../src/http/schemas.js';
import type { Topic } from '../../src/topics/topic-registry.js';

/** A topic as the encoder sees it: a name and each partition's max.message.bytes. */
function topicOf(partitionCount: number, maxMessageBytes = 1024 * 1024): Topic {
  const partitions = Array.from({ length: partitionCount }, () => ({
    config: { maxMessageBytes },
  }));
  return { name: 'events', partitions } as unknown as Topic;
}

/** A small seeded generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = ['a', 'Z', '7', ' ', '"', 'é', '€', '𝄞', '\n', '\\'];

function text(next: () => number, lengthMax: number): string {
  const length = Math.floor(next() * lengthMax);
  let result = '';
  for (let index = 0; index < length; index++) {
    result += alphabet[Math.floor(next() * alphabet.length)];
  }
  return result;
}

function randomRecord(next: () => number, format: RecordFormat, partitionCount: number) {
  const asFormat = (value: string) =>
    format === 'base64' ? Buffer.from(value).toString('base64') : value;
  const record: ProducedRecord = {
    value: next() < 0.1 ? null : asFormat(text(next, next() < 0.1 ? 400 : 40)),
    // Base 2024, and now and then 40 days away: a timestampDelta past int32 milliseconds.
    timestamp: 1_704_067_200_000 + Math.floor((next() - 0.5) * (next() < 0.1 ? 7e9 : 1e5)),
  };
  if (format === 'json' && record.value !== null) {
    record.value = next() < 0.5 ? { n: next(), s: record.value } : [record.value, 1, null];
  }
  const roll = next();
  if (roll < 0.4) record.key = asFormat(text(next, 20));
  else if (roll < 0.6) record.partition = Math.floor(next() * partitionCount);
  else if (roll < 0.65) record.key = null;
  if (next() < 0.3) {
    record.headers = Array.from({ length: Math.floor(next() * 3) }, () => ({
      key: text(next, 10),
      value: next() < 0.2 ? null : asFormat(text(next, 10)),
    }));
  }
  return record;
}

/** The bytes a record is stored as, through the protocol package's own encoder. */
function recordInput(record: ProducedRecord, format: RecordFormat): RecordInput {
  const encoding = format === 'base64' ? 'base64' : 'utf8';
  const bytes = (value: string | null | undefined) =>
    value === null || value === undefined ? null : Buffer.from(value, encoding);
  const value =
    record.value === null
      ? null
      : format === 'json'
        ? Buffer.from(JSON.stringify(record.value))
        : bytes(record.value as string);
  const input: RecordInput = { key: bytes(record.key), value, timestamp: record.timestamp! };
  if (record.headers !== undefined) {
    input.headers = record.headers.map((header) => ({
      key: header.key,
      value: bytes(header.value),
    }));
  }
  return input;
}

function expectedPartition(
  record: ProducedRecord,
  format: RecordFormat,
  count: number,
  sticky: number,
) {
  if (record.partition !== undefined) return record.partition;
  if (record.key === undefined || record.key === null) return sticky;
  const encoding = format === 'base64' ? 'base64' : 'utf8';
  return keyPartition(Buffer.from(record.key, encoding), count);
}

function refusal(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('no refusal');
}

describe('encodeProduceBatches', () => {
  for (const format of ['json', 'text', 'base64'] as const) {
    it(`writes the bytes encodeRecordBatch writes (${format}, seeded)`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const next = random(seed);
        const partitionCount = 1 + Math.floor(next() * 4);
        const sticky = Math.floor(next() * partitionCount);
        const records = Array.from({ length: 1 + Math.floor(next() * 150) }, () =>
          randomRecord(next, format, partitionCount),
        );
        const encoded = encodeProduceBatches(topicOf(partitionCount), records, format, sticky);

        const byPartition = new Map<number, ProducedRecord[]>();
        records.forEach((record, index) => {
          const partition = expectedPartition(record, format, partitionCount, sticky);
          const batch = encoded.batches[encoded.batchOf[index]!]!;
          expect(batch.partition, `seed ${seed} record ${index}`).toBe(partition);
          const group = byPartition.get(partition) ?? [];
          expect(encoded.offsetDeltaOf[index]).toBe(group.length);
          group.push(record);
          byPartition.set(partition, group);
        });
        expect(encoded.batches.map(({ partition }) => partition)).toEqual([...byPartition.keys()]);
        for (const { partition, batch } of encoded.batches) {
          const inputs = byPartition.get(partition)!.map((record) => recordInput(record, format));
          expect(batch.equals(encodeRecordBatch({ records: inputs })), `seed ${seed}`).toBe(true);
          validateBatch(batch);
        }
        const sizeBytes = encoded.batches.reduce((sum, { batch }) => sum + batch.length, 0);
        expect(encoded.sizeBytes).toBe(sizeBytes);
      }
    });
  }

  it('partitions long keys as Kafka does, past the reused key buffer too', () => {
    const keys = ['k', 'é'.repeat(3_000), 'x'.repeat(httpKeyScratchBytesMax + 1), 'k'];
    const records = keys.map((key) => ({ key, value: null }));
    const encoded = encodeProduceBatches(topicOf(7), records, 'text', 0);
    keys.forEach((key, index) => {
      const batch = encoded.batches[encoded.batchOf[index]!]!;
      expect(batch.partition, `key of ${key.length}`).toBe(keyPartition(Buffer.from(key), 7));
    });
  });

  it('stamps records without a timestamp with the time of the request', () => {
    const before = Date.now();
    const encoded = encodeProduceBatches(topicOf(1), [{ value: 'a' }, { value: 'b' }], 'text', 0);
    const decoded = decodeRecordBatch(encoded.batches[0]!.batch);
    for (const record of decoded.records) {
      expect(record.timestamp).toBeGreaterThanOrEqual(before);
      expect(record.timestamp).toBeLessThanOrEqual(Date.now());
    }
  });

  it('refuses a bad value, bad base64, a missing partition and a batch too large', () => {
    const typed = refusal(() => encodeProduceBatches(topicOf(1), [{ value: 1 }], 'text', 0));
    expect([typed.statusCode, typed.error]).toEqual([400, 'INVALID_RECORD']);
    expect(typed.message).toContain('records[0].value must be a string');

    const base64 = refusal(() =>
      encodeProduceBatches(topicOf(1), [{ value: 'AA==' }, { value: 'A?==' }], 'base64', 0),
    );
    expect(base64.message).toContain('records[1].value is not valid base64');
    const header = refusal(() =>
      encodeProduceBatches(
        topicOf(1),
        [{ value: null, headers: [{ key: 'h', value: 'abc' }] }],
        'base64',
        0,
      ),
    );
    expect(header.message).toContain('records[0].headers[0].value is not valid base64');

    const missing = refusal(() =>
      encodeProduceBatches(topicOf(2), [{ value: 'a', partition: 2 }], 'text', 0),
    );
    expect([missing.statusCode, missing.error]).toEqual([404, 'UNKNOWN_TOPIC_OR_PARTITION']);
    expect(missing.message).toContain('has no partition 2 (it has 2)');

    const large = refusal(() =>
      encodeProduceBatches(topicOf(1, 200), [{ value: 'x'.repeat(200) }], 'text', 0),
    );
    expect([large.statusCode, large.error]).toEqual([413, 'MESSAGE_TOO_LARGE']);
    expect(large.message).toContain('max.message.bytes=200');
  });
});
