// Proves the DeleteRecords codecs (v0-v1) agree with kafkajs and @platformatic/kafka in both
// directions and reject every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type DeleteRecordsRequest,
  type DeleteRecordsResponse,
  deleteRecordsApi,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  type KafkajsResponseModule,
  kafkajsRequestBytes,
  kafkajsResponseModule,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const request: DeleteRecordsRequest = {
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, offset: 100 },
        { partitionIndex: 1, offset: -1 },
      ],
    },
  ],
  timeoutMs: 5_000,
};

const response: DeleteRecordsResponse = {
  throttleTimeMs: 3,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, lowWatermark: 100, errorCode: 0 },
        { partitionIndex: 1, lowWatermark: 250, errorCode: 0 },
      ],
    },
  ],
};

describe('DeleteRecords', () => {
  it('decodes kafkajs requests, v0-v1', async () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      const bytes = await kafkajsRequestBytes('deleteRecords', version, {
        timeout: 5_000,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, offset: '100' },
              { partition: 1, offset: '-1' },
            ],
          },
        ],
      });
      expect(decodeRequest(deleteRecordsApi, version, bytes)).toEqual(request);
    }
  });

  it('decodes @platformatic/kafka requests, v0-v1', () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      const topics = request.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => ({ ...p, offset: BigInt(p.offset) })),
      }));
      const bytes = platformaticRequestBytes('deleteRecords', version, topics, 5_000);
      expect(decodeRequest(deleteRecordsApi, version, bytes)).toEqual(request);
    }
  });

  it('encodes responses kafkajs decodes, v0-v1', async () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      const bytes = encodeResponse(deleteRecordsApi, version, response);
      // kafkajs's DeleteRecords response module is a factory over the request's topics.
      const factory = kafkajsResponseModule('deleteRecords', version) as (args: {
        topics: unknown[];
      }) => KafkajsResponseModule;
      const decoded = (await factory({ topics: [] }).decode(bytes)) as {
        throttleTime: number;
        clientSideThrottleTime?: number;
        topics: Array<{ topic: string; partitions: Array<Record<string, unknown>> }>;
      };
      expect(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(3);
      expect(decoded.topics[0]?.topic).toBe('orders');
      expect(
        decoded.topics[0]?.partitions.map((p) => [
          p.partition,
          String(p.lowWatermark),
          p.errorCode,
        ]),
      ).toEqual([
        [0, '100', 0],
        [1, '250', 0],
      ]);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v1', () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      const bytes = encodeResponse(deleteRecordsApi, version, response);
      expect(platformaticParse(deleteRecordsApi, 'deleteRecords', version, bytes)).toMatchObject({
        throttleTimeMs: 3,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, lowWatermark: 100n, errorCode: 0 },
              { partitionIndex: 1, lowWatermark: 250n, errorCode: 0 },
            ],
          },
        ],
      });
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      const bytes = encodeRequest(deleteRecordsApi, version, request);
      expect(decodeRequest(deleteRecordsApi, version, bytes)).toEqual(request);
      const responseBytes = encodeResponse(deleteRecordsApi, version, response);
      expect(decodeResponse(deleteRecordsApi, version, responseBytes)).toEqual(response);
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(deleteRecordsApi)) {
      expectTruncationsThrow(
        (reader) => deleteRecordsApi.decodeRequest(reader, version),
        encodeRequest(deleteRecordsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => deleteRecordsApi.decodeResponse(reader, version),
        encodeResponse(deleteRecordsApi, version, response),
      );
    }
  });
});
