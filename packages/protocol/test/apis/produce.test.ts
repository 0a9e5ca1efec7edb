// Proves the Produce codecs (v3-v7) agree with kafkajs and @platformatic/kafka in both
// directions: their requests decode to our shape with each partition's records left as a view
// of whole, valid v2 batches in the request buffer (no copy, no record decoding), our responses
// decode with theirs, our requests carry large batches by reference (the very buffers, as parts
// of the frame) and small ones by copy, and every truncated request fails with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  findBatchProblem,
  type ProduceRequest,
  type ProduceResponse,
  produceApi,
  produceRecordsSharedBytesMin,
  Reader,
  readBatchSizeBytes,
  readRecordCount,
  Writer,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  kafkajsDecode,
  kafkajsRequestBytes,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const kafkajsTopicData = [
  {
    topic: 'orders',
    partitions: [
      {
        partition: 0,
        firstSequence: 0,
        messages: [
          { key: 'k1', value: 'v1', timestamp: 1_700_000_000_000 },
          { key: 'k2', value: 'v2', timestamp: 1_700_000_000_001 },
        ],
      },
      { partition: 2, firstSequence: 0, messages: [{ key: null, value: 'v3' }] },
    ],
  },
];

const response: ProduceResponse = {
  responses: [
    {
      name: 'orders',
      partitionResponses: [
        { index: 0, errorCode: 0, baseOffset: 42, logAppendTimeMs: -1, logStartOffset: 3 },
        {
          index: 2,
          errorCode: 0,
          baseOffset: 7,
          logAppendTimeMs: 1_700_000_000_000,
          logStartOffset: 0,
        },
      ],
    },
  ],
  throttleTimeMs: 5,
};

/** Checks that `records` holds exactly `recordCounts.length` valid batches, viewed in `bytes`. */
function expectBatches(records: Buffer | null, bytes: Buffer, recordCounts: number[]): void {
  expect(records).not.toBeNull();
  if (records === null) return;
  // A view, not a copy: the same memory, inside the request's bytes.
  expect(records.buffer).toBe(bytes.buffer);
  expect(records.byteOffset).toBeGreaterThanOrEqual(bytes.byteOffset);
  expect(records.byteOffset + records.length).toBeLessThanOrEqual(bytes.byteOffset + bytes.length);
  const counts: number[] = [];
  for (
    let position = 0;
    position < records.length;
    position += readBatchSizeBytes(records, position)
  ) {
    expect(findBatchProblem(records, position)).toBeNull();
    counts.push(readRecordCount(records, position));
  }
  expect(counts).toEqual(recordCounts);
}

describe('Produce', () => {
  it('decodes kafkajs requests as views of their batches, v3-v7', async () => {
    for (const version of versionsOf(produceApi)) {
      const bytes = await kafkajsRequestBytes('produce', version, {
        acks: -1,
        timeout: 30_000,
        transactionalId: version === 3 ? null : 'txn-1',
        topicData: kafkajsTopicData,
      });
      const request = decodeRequest(produceApi, version, bytes);
      expect(request.transactionalId).toBe(version === 3 ? null : 'txn-1');
      expect(request.acks).toBe(-1);
      expect(request.timeoutMs).toBe(30_000);
      expect(request.topicData.map((topic) => topic.name)).toEqual(['orders']);
      const [partition0, partition2] = request.topicData[0]?.partitionData ?? [];
      expect(partition0?.index).toBe(0);
      expect(partition2?.index).toBe(2);
      expectBatches(partition0?.records ?? null, bytes, [2]);
      expectBatches(partition2?.records ?? null, bytes, [1]);
    }
  });

  it('decodes @platformatic/kafka requests, v3-v7', () => {
    for (const version of versionsOf(produceApi)) {
      const messages = [
        { topic: 'orders', partition: 1, key: Buffer.from('a'), value: Buffer.from('1') },
        { topic: 'orders', partition: 1, key: Buffer.from('b'), value: Buffer.from('2') },
        { topic: 'payments', partition: 0, value: Buffer.from('3') },
      ];
      const bytes = platformaticRequestBytes('produce', version, 1, 1_000, messages);
      const request = decodeRequest(produceApi, version, bytes);
      expect(request.transactionalId).toBeNull();
      expect(request.acks).toBe(1);
      expect(request.timeoutMs).toBe(1_000);
      expect(
        request.topicData.map((topic) => [topic.name, topic.partitionData.map((p) => p.index)]),
      ).toEqual([
        ['orders', [1]],
        ['payments', [0]],
      ]);
      expectBatches(request.topicData[0]?.partitionData[0]?.records ?? null, bytes, [2]);
      expectBatches(request.topicData[1]?.partitionData[0]?.records ?? null, bytes, [1]);
    }
  });

  it('encodes responses kafkajs decodes, v3-v7', async () => {
    for (const version of versionsOf(produceApi)) {
      const decoded = await kafkajsDecode(
        'produce',
        version,
        encodeResponse(produceApi, version, response),
      );
      const logStart = (offset: string) => (version >= 5 ? { logStartOffset: offset } : {});
      expect(decoded.topics).toEqual([
        {
          topicName: 'orders',
          partitions: [
            { partition: 0, errorCode: 0, baseOffset: '42', logAppendTime: '-1', ...logStart('3') },
            {
              partition: 2,
              errorCode: 0,
              baseOffset: '7',
              logAppendTime: '1700000000000',
              ...logStart('0'),
            },
          ],
        },
      ]);
      expect(version >= 6 ? decoded.clientSideThrottleTime : decoded.throttleTime).toBe(5);
    }
  });

  it('encodes responses @platformatic/kafka parses, v3-v7', () => {
    for (const version of versionsOf(produceApi)) {
      const bytes = encodeResponse(produceApi, version, response);
      const parsed = platformaticParse(produceApi, 'produce', version, bytes);
      expect(parsed).toMatchObject({
        responses: [
          {
            name: 'orders',
            partitionResponses: [
              { index: 0, errorCode: 0, baseOffset: 42n, logAppendTimeMs: -1n },
              { index: 2, errorCode: 0, baseOffset: 7n, logAppendTimeMs: 1_700_000_000_000n },
            ],
          },
        ],
        throttleTimeMs: 5,
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    const records = Buffer.from('not parsed by the codec');
    const request: ProduceRequest = {
      transactionalId: null,
      acks: 1,
      timeoutMs: 100,
      topicData: [
        {
          name: 'orders',
          partitionData: [
            { index: 0, records },
            { index: 1, records: null },
          ],
        },
      ],
    };
    for (const version of versionsOf(produceApi)) {
      const bytes = encodeRequest(produceApi, version, request);
      expect(decodeRequest(produceApi, version, bytes)).toEqual(request);
      const decoded = decodeResponse(
        produceApi,
        version,
        encodeResponse(produceApi, version, response),
      );
      const logStartOffsets = decoded.responses[0]?.partitionResponses.map((p) => p.logStartOffset);
      expect(logStartOffsets).toEqual(version >= 5 ? [3, 0] : [-1, -1]);
      expect({ ...decoded, responses: [] }).toEqual({ ...response, responses: [] });
    }
  });

  it('writes large batches by reference and small ones by copy, same bytes either way', () => {
    const large = Buffer.alloc(produceRecordsSharedBytesMin, 5);
    const small = Buffer.alloc(produceRecordsSharedBytesMin - 1, 6);
    const request: ProduceRequest = {
      transactionalId: null,
      acks: 1,
      timeoutMs: 100,
      topicData: [
        {
          name: 'orders',
          partitionData: [
            { index: 0, records: large },
            { index: 1, records: small },
            { index: 2, records: null },
          ],
        },
        { name: 'payments', partitionData: [{ index: 0, records: large }] },
      ],
    };
    for (const version of versionsOf(produceApi)) {
      const writer = new Writer();
      produceApi.encodeRequest(writer, version, request);
      const parts = writer.finishParts();
      expect(parts.filter((part) => part === large)).toHaveLength(2);
      expect(parts).not.toContain(small);
      const bytes = Buffer.concat(parts);
      expect(bytes.length).toBe(writer.byteLength);
      expect(bytes.equals(encodeRequest(produceApi, version, request))).toBe(true);
      expect(produceApi.decodeRequest(new Reader(bytes), version)).toEqual(request);
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    const request: ProduceRequest = {
      transactionalId: 'txn',
      acks: -1,
      timeoutMs: 100,
      topicData: [{ name: 'orders', partitionData: [{ index: 0, records: Buffer.alloc(70, 1) }] }],
    };
    for (const version of versionsOf(produceApi)) {
      expectTruncationsThrow(
        (reader) => produceApi.decodeRequest(reader, version),
        encodeRequest(produceApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => produceApi.decodeResponse(reader, version),
        encodeResponse(produceApi, version, response),
      );
    }
  });
});
