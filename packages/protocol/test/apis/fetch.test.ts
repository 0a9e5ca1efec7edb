// Proves the Fetch codecs (v4-v11) agree with kafkajs and @platformatic/kafka in both
// directions: their requests (with session fields from v7) decode to our shape, our responses
// carry raw record batches that both clients decode into the records a producer wrote, null and
// empty record sets pass, fetchResponseSizeBytes equals the encoded size, and every truncated
// request fails with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type FetchRequest,
  type FetchResponse,
  fetchApi,
  fetchResponseSizeBytes,
  produceApi,
  writeBaseOffset,
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

/** A real v2 batch of `values`, written by kafkajs's producer and given `baseOffset`. */
async function kafkajsBatch(baseOffset: number, values: string[]): Promise<Buffer> {
  const bytes = await kafkajsRequestBytes('produce', 3, {
    acks: 1,
    timeout: 1_000,
    topicData: [
      {
        topic: 't',
        partitions: [
          {
            partition: 0,
            messages: values.map((value, index) => ({
              key: `k${index}`,
              value,
              timestamp: 1_700_000_000_000 + index,
            })),
          },
        ],
      },
    ],
  });
  const records = decodeRequest(produceApi, 3, bytes).topicData[0]?.partitionData[0]?.records;
  if (records === undefined || records === null) throw new Error('kafkajs wrote no batch');
  const batch = Buffer.from(records);
  writeBaseOffset(batch, baseOffset);
  return batch;
}

async function sampleResponse(): Promise<FetchResponse> {
  const first = await kafkajsBatch(100, ['a', 'b']);
  const second = await kafkajsBatch(102, ['c']);
  return {
    throttleTimeMs: 3,
    errorCode: 0,
    sessionId: 0,
    responses: [
      {
        topic: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 103,
            lastStableOffset: 103,
            logStartOffset: 10,
            abortedTransactions: [{ producerId: 9, firstOffset: 50 }],
            preferredReadReplica: -1,
            records: Buffer.concat([first, second]),
          },
          {
            partitionIndex: 1,
            errorCode: 0,
            highWatermark: 0,
            lastStableOffset: 0,
            logStartOffset: 0,
            abortedTransactions: null,
            preferredReadReplica: -1,
            records: null,
          },
          {
            partitionIndex: 2,
            errorCode: 0,
            highWatermark: 5,
            lastStableOffset: 5,
            logStartOffset: 0,
            abortedTransactions: [],
            preferredReadReplica: -1,
            records: Buffer.alloc(0),
          },
        ],
      },
    ],
  };
}

const kafkajsRequestArgs = {
  replicaId: -1,
  maxWaitTime: 500,
  minBytes: 1,
  maxBytes: 1_048_576,
  isolationLevel: 1,
  sessionId: 12,
  sessionEpoch: 3,
  forgottenTopics: [{ topic: 'old', partitions: [4, 5] }],
  rackId: 'rack-a',
  topics: [
    {
      topic: 'orders',
      partitions: [
        {
          partition: 0,
          currentLeaderEpoch: 7,
          fetchOffset: 100,
          logStartOffset: 2,
          maxBytes: 65_536,
        },
      ],
    },
  ],
};

/** What kafkajsRequestArgs decode to at `version`: fields the version lacks take defaults. */
function expectedRequest(version: number): FetchRequest {
  return {
    replicaId: -1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: 1_048_576,
    isolationLevel: 1,
    sessionId: version >= 7 ? 12 : 0,
    sessionEpoch: version >= 7 ? 3 : -1,
    topics: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: version >= 9 ? 7 : -1,
            fetchOffset: 100,
            logStartOffset: version >= 5 ? 2 : -1,
            partitionMaxBytes: 65_536,
          },
        ],
      },
    ],
    forgottenTopicsData: version >= 7 ? [{ topic: 'old', partitions: [4, 5] }] : [],
    rackId: version >= 11 ? 'rack-a' : '',
  };
}

describe('Fetch', () => {
  it('decodes kafkajs requests, v4-v11', async () => {
    for (const version of versionsOf(fetchApi)) {
      const bytes = await kafkajsRequestBytes('fetch', version, kafkajsRequestArgs);
      expect(decodeRequest(fetchApi, version, bytes)).toEqual(expectedRequest(version));
    }
  });

  it('decodes @platformatic/kafka requests, v4-v11', () => {
    for (const version of versionsOf(fetchApi)) {
      const topics = [
        {
          topicId: 'orders',
          partitions: [
            { partition: 3, currentLeaderEpoch: 7, fetchOffset: 100n, partitionMaxBytes: 1_024 },
          ],
        },
      ];
      const forgotten = [{ topicId: 'old', partitions: [4] }];
      const bytes = platformaticRequestBytes(
        'fetch',
        version,
        500,
        1,
        2_048,
        0,
        12,
        3,
        topics,
        forgotten,
        'rack-b',
      );
      const request = decodeRequest(fetchApi, version, bytes);
      expect(request).toMatchObject({
        replicaId: -1,
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 2_048,
        isolationLevel: 0,
        sessionId: version >= 7 ? 12 : 0,
        sessionEpoch: version >= 7 ? 3 : -1,
        forgottenTopicsData: version >= 7 ? [{ topic: 'old', partitions: [4] }] : [],
        rackId: version >= 11 ? 'rack-b' : '',
      });
      expect(request.topics).toEqual([
        {
          topic: 'orders',
          partitions: [
            {
              partition: 3,
              currentLeaderEpoch: version >= 9 ? 7 : -1,
              fetchOffset: 100,
              logStartOffset: -1,
              partitionMaxBytes: 1_024,
            },
          ],
        },
      ]);
    }
  });

  it('encodes responses whose raw batches kafkajs decodes into records, v4-v11', async () => {
    const response = await sampleResponse();
    for (const version of versionsOf(fetchApi)) {
      const decoded = await kafkajsDecode(
        'fetch',
        version,
        encodeResponse(fetchApi, version, response),
      );
      if (version >= 7) expect(decoded).toMatchObject({ errorCode: 0, sessionId: 0 });
      const [topic] = decoded.responses as Array<{
        topicName: string;
        partitions: Array<Record<string, unknown>>;
      }>;
      expect(topic?.topicName).toBe('orders');
      const [partition0, partition1, partition2] = topic?.partitions ?? [];
      expect(partition0).toMatchObject({
        partition: 0,
        errorCode: 0,
        highWatermark: '103',
        lastStableOffset: '103',
        abortedTransactions: [{ producerId: '9', firstOffset: '50' }],
      });
      const messages = partition0?.messages as Array<{ offset: string; value: Buffer }>;
      expect(messages.map((m) => [m.offset, m.value.toString()])).toEqual([
        ['100', 'a'],
        ['101', 'b'],
        ['102', 'c'],
      ]);
      expect(partition1?.messages).toEqual([]);
      expect(partition2?.messages).toEqual([]);
    }
  });

  it('encodes responses whose raw batches @platformatic/kafka parses, v4-v11', async () => {
    const response = await sampleResponse();
    for (const version of versionsOf(fetchApi)) {
      const bytes = encodeResponse(fetchApi, version, response);
      const parsed = platformaticParse(fetchApi, 'fetch', version, bytes) as {
        responses: Array<{ partitions: Array<Record<string, unknown>> }>;
      };
      const [partition0, partition1, partition2] = parsed.responses[0]?.partitions ?? [];
      expect(partition0).toMatchObject({ partitionIndex: 0, highWatermark: 103n });
      const batches = partition0?.records as Array<{
        firstOffset: bigint;
        records: Array<{ offsetDelta: number; value: Buffer }>;
      }>;
      expect(
        batches.flatMap((batch) =>
          batch.records.map((r) => [batch.firstOffset + BigInt(r.offsetDelta), r.value.toString()]),
        ),
      ).toEqual([
        [100n, 'a'],
        [101n, 'b'],
        [102n, 'c'],
      ]);
      expect(partition1?.records).toBeNull();
      expect(partition2?.records).toEqual([]);
    }
  });

  it('computes the encoded size without encoding, for every version', async () => {
    const response = await sampleResponse();
    const empty: FetchResponse = { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [] };
    for (const version of versionsOf(fetchApi)) {
      for (const sample of [response, empty]) {
        const bytes = encodeResponse(fetchApi, version, sample);
        expect(fetchResponseSizeBytes(version, sample)).toBe(bytes.length);
      }
    }
  });

  it('round-trips every version, filling defaults', async () => {
    const response = await sampleResponse();
    for (const version of versionsOf(fetchApi)) {
      const request = expectedRequest(fetchApi.maxVersion);
      const requestBytes = encodeRequest(fetchApi, version, request);
      expect(decodeRequest(fetchApi, version, requestBytes)).toEqual(expectedRequest(version));
      const decoded = decodeResponse(
        fetchApi,
        version,
        encodeResponse(fetchApi, version, response),
      );
      const logStartOffsets = decoded.responses[0]?.partitions.map((p) => p.logStartOffset);
      expect(logStartOffsets).toEqual(version >= 5 ? [10, 0, 0] : [-1, -1, -1]);
      const stripped = (r: FetchResponse) =>
        r.responses.flatMap((t) => t.partitions.map((p) => ({ ...p, logStartOffset: 0 })));
      expect(stripped(decoded)).toEqual(stripped(response));
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', async () => {
    const response = await sampleResponse();
    for (const version of versionsOf(fetchApi)) {
      expectTruncationsThrow(
        (reader) => fetchApi.decodeRequest(reader, version),
        encodeRequest(fetchApi, version, expectedRequest(version)),
      );
      expectTruncationsThrow(
        (reader) => fetchApi.decodeResponse(reader, version),
        encodeResponse(fetchApi, version, response),
      );
    }
  });
});
