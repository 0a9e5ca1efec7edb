// Proves the OffsetCommit codecs (v0-v7) agree with kafkajs (v0-v5) and @platformatic/kafka
// (v0-v7) in both directions, including v1's per-partition CommitTimestamp and v2-v4's
// RetentionTimeMs; round-trip every version with defaults filled in; reject truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  offsetCommitApi,
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

const api = offsetCommitApi;
const kafkajsVersions = [0, 1, 2, 3, 4, 5];

const request: OffsetCommitRequest = {
  groupId: 'orders-consumers',
  generationId: 7,
  memberId: 'consumer-1-4f1c',
  groupInstanceId: 'instance-1',
  retentionTimeMs: 86_400_000,
  topics: [
    {
      name: 'orders',
      partitions: [
        {
          partitionIndex: 0,
          committedOffset: 2 ** 40 + 3,
          committedLeaderEpoch: 4,
          commitTimestamp: 1_700_000_000_000,
          committedMetadata: 'host-a',
        },
        {
          partitionIndex: 2,
          committedOffset: 0,
          committedLeaderEpoch: 4,
          commitTimestamp: 1_700_000_000_000,
          committedMetadata: null,
        },
      ],
    },
    { name: 'payments', partitions: [] },
  ],
};

const response: OffsetCommitResponse = {
  throttleTimeMs: 5,
  topics: [
    {
      name: 'orders',
      partitions: [
        { partitionIndex: 0, errorCode: 0 },
        { partitionIndex: 2, errorCode: 0 },
      ],
    },
  ],
};

/** What version `version` carries of `from`; absent fields take the schema's defaults. */
function requestAt(version: number, from = request): OffsetCommitRequest {
  return {
    groupId: from.groupId,
    generationId: version >= 1 ? from.generationId : -1,
    memberId: version >= 1 ? from.memberId : '',
    groupInstanceId: version >= 7 ? from.groupInstanceId : null,
    retentionTimeMs: version >= 2 && version <= 4 ? from.retentionTimeMs : -1,
    topics: from.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({
        ...partition,
        committedLeaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1,
        commitTimestamp: version === 1 ? partition.commitTimestamp : -1,
      })),
    })),
  };
}

function responseAt(version: number): OffsetCommitResponse {
  return { ...response, throttleTimeMs: version >= 3 ? response.throttleTimeMs : 0 };
}

describe('OffsetCommit', () => {
  it('decodes kafkajs v0-v5 requests and encodes the same bytes', async () => {
    for (const version of kafkajsVersions) {
      const bytes = await kafkajsRequestBytes('offsetCommit', version, {
        groupId: request.groupId,
        groupGenerationId: request.generationId,
        memberId: request.memberId,
        retentionTime: request.retentionTimeMs,
        topics: request.topics.map((topic) => ({
          topic: topic.name,
          partitions: topic.partitions.map((partition) => ({
            partition: partition.partitionIndex,
            offset: String(partition.committedOffset),
            timestamp: partition.commitTimestamp,
            metadata: partition.committedMetadata,
          })),
        })),
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v5 responses decode with kafkajs', async () => {
    for (const version of kafkajsVersions) {
      const bytes = encodeResponse(api, version, response);
      expect(await kafkajsDecode('offsetCommit', version, bytes)).toMatchObject({
        responses: [
          {
            topic: 'orders',
            partitions: [
              { partition: 0, errorCode: 0 },
              { partition: 2, errorCode: 0 },
            ],
          },
        ],
      });
    }
  });

  it('decodes @platformatic/kafka v0-v7 requests and its parser reads our responses', () => {
    // @platformatic/kafka always sends the defaults for CommitTimestamp and RetentionTimeMs.
    const sent = requestAt(7, { ...request, retentionTimeMs: -1 });
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes(
        'offsetCommit',
        version,
        sent.groupId,
        sent.generationId,
        sent.memberId,
        sent.groupInstanceId,
        sent.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({
            ...partition,
            committedOffset: BigInt(partition.committedOffset),
          })),
        })),
      );
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version, sent));
      // Its v1 module reuses the v0 parser without exporting it (the responses are equal).
      const parserVersion = version === 1 ? 0 : version;
      const responseBytes = encodeResponse(api, version, response);
      const parsed = platformaticParse(api, 'offsetCommit', parserVersion, responseBytes);
      expect(parsed).toEqual(responseAt(version));
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
