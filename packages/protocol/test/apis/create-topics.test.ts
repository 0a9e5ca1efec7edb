// Proves the CreateTopics codecs (v0-v4) agree with kafkajs (v0-v3) and @platformatic/kafka
// (v0-v4) in both directions, fill defaults for fields a version lacks, and reject every
// truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  createTopicsApi,
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

const request: CreateTopicsRequest = {
  topics: [
    {
      name: 'orders',
      numPartitions: 3,
      replicationFactor: 1,
      assignments: [],
      configs: [
        { name: 'retention.ms', value: '86400000' },
        { name: 'cleanup.policy', value: null },
      ],
    },
    {
      name: 'placed',
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [1] }],
      configs: [],
    },
  ],
  timeoutMs: 5_000,
  validateOnly: true,
};

const response: CreateTopicsResponse = {
  throttleTimeMs: 8,
  topics: [
    { name: 'orders', errorCode: 0, errorMessage: null },
    { name: 'placed', errorCode: 36, errorMessage: 'Topic already exists.' },
  ],
};

describe('CreateTopics', () => {
  it('decodes kafkajs requests, v0-v3', async () => {
    for (const version of [0, 1, 2, 3]) {
      const bytes = await kafkajsRequestBytes('createTopics', version, {
        timeout: 5_000,
        validateOnly: true,
        topics: [
          {
            topic: 'orders',
            numPartitions: 3,
            replicationFactor: 1,
            configEntries: [{ name: 'retention.ms', value: '86400000' }],
          },
          { topic: 'placed', replicaAssignment: [{ partition: 0, replicas: [1] }] },
        ],
      });
      const decoded = decodeRequest(createTopicsApi, version, bytes);
      expect(decoded).toEqual({
        topics: [
          { ...request.topics[0], configs: [{ name: 'retention.ms', value: '86400000' }] },
          request.topics[1],
        ],
        timeoutMs: 5_000,
        validateOnly: version >= 1,
      });
    }
  });

  it('decodes @platformatic/kafka requests, v0-v4', () => {
    for (const version of versionsOf(createTopicsApi)) {
      const bytes = platformaticRequestBytes('createTopics', version, request.topics, 5_000, true);
      expect(decodeRequest(createTopicsApi, version, bytes)).toEqual({
        ...request,
        validateOnly: version >= 1,
      });
    }
  });

  it('encodes responses kafkajs decodes, v0-v3', async () => {
    for (const version of [0, 1, 2, 3]) {
      const bytes = encodeResponse(createTopicsApi, version, response);
      const decoded = await kafkajsDecode('createTopics', version, bytes);
      expect(decoded.topicErrors).toEqual(
        response.topics.map(({ name, errorCode, errorMessage }) =>
          version >= 1 ? { topic: name, errorCode, errorMessage } : { topic: name, errorCode },
        ),
      );
      if (version === 2) expect(decoded.throttleTime).toBe(8);
      if (version === 3) expect(decoded.clientSideThrottleTime).toBe(8);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v4', () => {
    const success: CreateTopicsResponse = { ...response, topics: [response.topics[0]!] };
    for (const version of versionsOf(createTopicsApi)) {
      const bytes = encodeResponse(createTopicsApi, version, success);
      expect(platformaticParse(createTopicsApi, 'createTopics', version, bytes)).toMatchObject({
        topics: [{ name: 'orders', errorCode: 0 }],
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(createTopicsApi)) {
      const bytes = encodeRequest(createTopicsApi, version, request);
      expect(decodeRequest(createTopicsApi, version, bytes)).toEqual({
        ...request,
        validateOnly: version >= 1,
      });
      const responseBytes = encodeResponse(createTopicsApi, version, response);
      expect(decodeResponse(createTopicsApi, version, responseBytes)).toEqual({
        throttleTimeMs: version >= 2 ? 8 : 0,
        topics: response.topics.map((topic) => ({
          ...topic,
          errorMessage: version >= 1 ? topic.errorMessage : null,
        })),
      });
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(createTopicsApi)) {
      expectTruncationsThrow(
        (reader) => createTopicsApi.decodeRequest(reader, version),
        encodeRequest(createTopicsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => createTopicsApi.decodeResponse(reader, version),
        encodeResponse(createTopicsApi, version, response),
      );
    }
  });
});
