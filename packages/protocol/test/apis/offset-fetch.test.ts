// Proves the OffsetFetch codecs (v0-v7) agree with kafkajs (v1-v4) and @platformatic/kafka
// (v0-v7, flexible from v6) in both directions, including the null "all topics" request of
// v2+; round-trip every version with defaults filled in; reject truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  offsetFetchApi,
  ProtocolError,
  Reader,
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

const api = offsetFetchApi;
const kafkajsVersions = [1, 2, 3, 4];

const request: OffsetFetchRequest = {
  groupId: 'orders-consumers',
  topics: [
    { name: 'orders', partitionIndexes: [0, 1, 2] },
    { name: 'payments', partitionIndexes: [] },
  ],
  requireStable: true,
};
const allTopics: OffsetFetchRequest = { ...request, topics: null };

const response: OffsetFetchResponse = {
  throttleTimeMs: 5,
  topics: [
    {
      name: 'orders',
      partitions: [
        {
          partitionIndex: 0,
          committedOffset: 2 ** 40 + 3,
          committedLeaderEpoch: 4,
          metadata: 'host-a',
          errorCode: 0,
        },
        {
          partitionIndex: 1,
          committedOffset: -1,
          committedLeaderEpoch: -1,
          metadata: null,
          errorCode: 0,
        },
      ],
    },
  ],
  errorCode: 0,
};

function requestAt(version: number, from = request): OffsetFetchRequest {
  return { ...from, requireStable: version >= 7 ? from.requireStable : false };
}

function responseAt(version: number): OffsetFetchResponse {
  return {
    throttleTimeMs: version >= 3 ? response.throttleTimeMs : 0,
    topics: response.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({
        ...partition,
        committedLeaderEpoch: version >= 5 ? partition.committedLeaderEpoch : -1,
      })),
    })),
    errorCode: version >= 2 ? response.errorCode : 0,
  };
}

describe('OffsetFetch', () => {
  it('decodes kafkajs v1-v4 requests and encodes the same bytes', async () => {
    for (const version of kafkajsVersions) {
      const bytes = await kafkajsRequestBytes('offsetFetch', version, {
        groupId: request.groupId,
        topics: (request.topics ?? []).map((topic) => ({
          topic: topic.name,
          partitions: topic.partitionIndexes.map((partition) => ({ partition })),
        })),
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v1-v4 responses decode with kafkajs', async () => {
    for (const version of kafkajsVersions) {
      const bytes = encodeResponse(api, version, response);
      const decoded = await kafkajsDecode('offsetFetch', version, bytes);
      expect(decoded).toMatchObject({
        responses: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, offset: String(2 ** 40 + 3), metadata: 'host-a', errorCode: 0 },
              { partition: 1, offset: '-1', metadata: null, errorCode: 0 },
            ],
          },
        ],
      });
      if (version >= 2) expect(decoded).toMatchObject({ errorCode: 0 });
    }
  });

  it('decodes @platformatic/kafka v0-v7 requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const group = { groupId: request.groupId, topics: request.topics };
      const bytes = platformaticRequestBytes('offsetFetch', version, [group], true);
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const expected = responseAt(version);
      const parsed = platformaticParse(
        api,
        'offsetFetch',
        version,
        encodeResponse(api, version, response),
      );
      expect(parsed).toMatchObject({
        throttleTimeMs: expected.throttleTimeMs,
        errorCode: 0,
        topics: expected.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({
            ...partition,
            committedOffset: BigInt(partition.committedOffset),
          })),
        })),
      });
    }
  });

  it('carries a null topic list ("every topic") from v2 on, and refuses it before', () => {
    for (const version of versionsOf(api).filter((version) => version >= 2)) {
      const bytes = platformaticRequestBytes('offsetFetch', version, [allTopics], false);
      expect(decodeRequest(api, version, bytes)).toEqual({ ...allTopics, requireStable: false });
      const ours = encodeRequest(api, version, allTopics);
      expect(decodeRequest(api, version, ours)).toEqual(requestAt(version, allTopics));
    }
    for (const version of [0, 1]) {
      expect(() => api.encodeRequest(new Writer(), version, allTopics)).toThrow(AssertionError);
      const nullTopics = encodeRequest(api, 2, allTopics);
      expect(() => api.decodeRequest(new Reader(nullTopics), version)).toThrow(ProtocolError);
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(api)) {
      const requestBytes = encodeRequest(api, version, request);
      expect(decodeRequest(api, version, requestBytes)).toEqual(requestAt(version));
      const responseBytes = encodeResponse(api, version, response);
      expect(decodeResponse(api, version, responseBytes)).toEqual(responseAt(version));
    }
  });

  it('rejects every truncation of a request or response with a ProtocolError', () => {
    for (const version of versionsOf(api)) {
      const requestBytes = encodeRequest(api, version, request);
      expectTruncationsThrow((reader) => api.decodeRequest(reader, version), requestBytes);
      const responseBytes = encodeResponse(api, version, response);
      expectTruncationsThrow((reader) => api.decodeResponse(reader, version), responseBytes);
    }
  });
});
