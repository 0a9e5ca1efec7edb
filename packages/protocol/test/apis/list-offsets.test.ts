// Proves the ListOffsets codecs (v1-v3) agree with kafkajs and @platformatic/kafka in both
// directions, fill defaults for fields a version lacks, and reject every truncated request
// with a ProtocolError.
import { describe, expect, it } from 'vitest';
import { type ListOffsetsResponse, listOffsetsApi } from '../../src/index.js';
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

const response: ListOffsetsResponse = {
  throttleTimeMs: 4,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, errorCode: 0, timestamp: -1, offset: 120 },
        { partitionIndex: 1, errorCode: 0, timestamp: 1_700_000_000_000, offset: 7 },
      ],
    },
  ],
};

const request = {
  replicaId: -1,
  isolationLevel: 1,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, timestamp: -2 },
        { partitionIndex: 1, timestamp: 1_700_000_000_000 },
      ],
    },
  ],
};

describe('ListOffsets', () => {
  it('decodes kafkajs requests, v1-v3', async () => {
    for (const version of versionsOf(listOffsetsApi)) {
      const bytes = await kafkajsRequestBytes('listOffsets', version, {
        replicaId: -1,
        isolationLevel: 1,
        topics: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, timestamp: -2 },
              { partition: 1, timestamp: 1_700_000_000_000 },
            ],
          },
        ],
      });
      expect(decodeRequest(listOffsetsApi, version, bytes)).toEqual({
        ...request,
        isolationLevel: version >= 2 ? 1 : 0,
      });
    }
  });

  it('decodes @platformatic/kafka requests, v1-v3', () => {
    for (const version of versionsOf(listOffsetsApi)) {
      const topics = [
        {
          name: 'orders',
          partitions: [{ partitionIndex: 2, currentLeaderEpoch: 0, timestamp: -1n }],
        },
      ];
      const bytes = platformaticRequestBytes('listOffsets', version, -1, 1, topics);
      expect(decodeRequest(listOffsetsApi, version, bytes)).toEqual({
        replicaId: -1,
        isolationLevel: version >= 2 ? 1 : 0,
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 2, timestamp: -1 }] }],
      });
    }
  });

  it('encodes responses kafkajs decodes, v1-v3', async () => {
    for (const version of versionsOf(listOffsetsApi)) {
      const bytes = encodeResponse(listOffsetsApi, version, response);
      const decoded = await kafkajsDecode('listOffsets', version, bytes);
      expect(decoded.responses).toEqual([
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: 0, timestamp: '-1', offset: '120' },
            { partition: 1, errorCode: 0, timestamp: '1700000000000', offset: '7' },
          ],
        },
      ]);
      if (version === 2) expect(decoded.throttleTime).toBe(4);
      if (version === 3) expect(decoded.clientSideThrottleTime).toBe(4);
    }
  });

  it('encodes responses @platformatic/kafka parses, v1-v3', () => {
    for (const version of versionsOf(listOffsetsApi)) {
      const bytes = encodeResponse(listOffsetsApi, version, response);
      expect(platformaticParse(listOffsetsApi, 'listOffsets', version, bytes)).toMatchObject({
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 120n },
              { partitionIndex: 1, errorCode: 0, timestamp: 1_700_000_000_000n, offset: 7n },
            ],
          },
        ],
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(listOffsetsApi)) {
      const bytes = encodeRequest(listOffsetsApi, version, request);
      expect(decodeRequest(listOffsetsApi, version, bytes)).toEqual({
        ...request,
        isolationLevel: version >= 2 ? 1 : 0,
      });
      const responseBytes = encodeResponse(listOffsetsApi, version, response);
      expect(decodeResponse(listOffsetsApi, version, responseBytes)).toEqual({
        ...response,
        throttleTimeMs: version >= 2 ? 4 : 0,
      });
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(listOffsetsApi)) {
      expectTruncationsThrow(
        (reader) => listOffsetsApi.decodeRequest(reader, version),
        encodeRequest(listOffsetsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => listOffsetsApi.decodeResponse(reader, version),
        encodeResponse(listOffsetsApi, version, response),
      );
    }
  });
});
