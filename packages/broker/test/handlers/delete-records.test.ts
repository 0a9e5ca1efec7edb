// Proves DeleteRecords over real partition logs: the log start offset moves up to the requested
// offset or the high watermark (-1), is answered as lowWatermark and survives a reopen; an
// offset below it changes nothing; and out-of-range offsets, unknown partitions, internal and
// compact-only topics get Kafka's error codes, partition by partition.
import { type DeleteRecordsRequestTopic, ErrorCode } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeleteRecordsHandler } from '../../src/handlers/delete-records.js';
import { AdminFixture, appendRecords, context } from './admin-fixture.js';

let fixture: AdminFixture;

beforeEach(async () => {
  fixture = await AdminFixture.open();
  await fixture.registry.createTopic('orders', { partitionCount: 2 });
  for (const partition of [0, 1]) {
    const log = fixture.registry.partitionLog('orders', partition);
    if (log === undefined) throw new Error('no log');
    await appendRecords(log, 5, 2); // offsets 0-9
  }
});

afterEach(async () => {
  await fixture.close();
});

async function deleteRecords(topics: DeleteRecordsRequestTopic[]) {
  const handler = createDeleteRecordsHandler(fixture.registry);
  const response = await handler.handle({ topics, timeoutMs: 30_000 }, context);
  if (response === null) throw new Error('DeleteRecords always answers');
  return response.topics;
}

async function deleteOne(name: string, partitionIndex: number, offset: number) {
  const [topic] = await deleteRecords([{ name, partitions: [{ partitionIndex, offset }] }]);
  const [partition] = topic?.partitions ?? [];
  if (partition === undefined) throw new Error('no result');
  return { lowWatermark: partition.lowWatermark, errorCode: partition.errorCode };
}

const logStartOffset = (partition: number) =>
  fixture.registry.partitionLog('orders', partition)?.logStartOffset;

describe('DeleteRecords handler', () => {
  it('moves the log start offset up, kept across a reopen', async () => {
    const topics = await deleteRecords([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, offset: 4 },
          { partitionIndex: 1, offset: -1 },
        ],
      },
    ]);
    expect(topics).toEqual([
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 0, lowWatermark: 4, errorCode: ErrorCode.NONE },
          { partitionIndex: 1, lowWatermark: 10, errorCode: ErrorCode.NONE },
        ],
      },
    ]);
    expect(logStartOffset(0)).toBe(4);
    expect(logStartOffset(1)).toBe(10);
    const reopened = await fixture.reopen();
    expect(reopened.partitionLog('orders', 0)?.logStartOffset).toBe(4);
    expect(reopened.partitionLog('orders', 1)?.logStartOffset).toBe(10);
  });

  it('changes nothing for an offset below the log start offset', async () => {
    await deleteOne('orders', 0, 6);
    expect(await deleteOne('orders', 0, 2)).toEqual({ lowWatermark: 6, errorCode: 0 });
    expect(logStartOffset(0)).toBe(6);
  });

  it('refuses offsets past the high watermark or below -1 with OFFSET_OUT_OF_RANGE', async () => {
    const outOfRange = { lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    expect(await deleteOne('orders', 0, 11)).toEqual(outOfRange);
    expect(await deleteOne('orders', 0, -2)).toEqual(outOfRange);
    expect(logStartOffset(0)).toBe(0);
  });

  it('answers unknown partitions, internal and compact-only topics with their codes', async () => {
    await fixture.registry.createTopic('__consumer_offsets', { partitionCount: 1 });
    await fixture.registry.createTopic('keyed', {
      partitionCount: 1,
      configs: { 'cleanup.policy': 'compact' },
    });
    const topics = await deleteRecords([
      { name: 'missing', partitions: [{ partitionIndex: 0, offset: 1 }] },
      {
        name: 'orders',
        partitions: [
          { partitionIndex: 2, offset: 1 },
          { partitionIndex: 0, offset: 3 },
        ],
      },
      { name: '__consumer_offsets', partitions: [{ partitionIndex: 0, offset: 0 }] },
      { name: 'keyed', partitions: [{ partitionIndex: 0, offset: 0 }] },
    ]);
    expect(topics.flatMap(({ partitions }) => partitions.map((p) => p.errorCode))).toEqual([
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.NONE,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      ErrorCode.POLICY_VIOLATION,
    ]);
    expect(logStartOffset(0)).toBe(3);
  });

  it('reports a whole-request failure for every partition', () => {
    const handler = createDeleteRecordsHandler(fixture.registry);
    const topics = [{ name: 'a', partitions: [{ partitionIndex: 3, offset: 1 }] }];
    expect(handler.errorResponse({ topics, timeoutMs: 0 }, ErrorCode.NOT_CONTROLLER)).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          name: 'a',
          partitions: [
            { partitionIndex: 3, lowWatermark: -1, errorCode: ErrorCode.NOT_CONTROLLER },
          ],
        },
      ],
    });
  });
});
