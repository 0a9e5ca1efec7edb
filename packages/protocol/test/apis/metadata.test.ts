// Proves the Metadata codecs (v0-v6) agree with kafkajs and @platformatic/kafka in both
// directions, fill Kafka's defaults for fields a version lacks, keep v0's "empty = all topics"
// meaning, and reject every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import { AssertionError, type MetadataResponse, metadataApi, Writer } from '../../src/index.js';
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

const response: MetadataResponse = {
  throttleTimeMs: 7,
  brokers: [{ nodeId: 1, host: 'localhost', port: 9092, rack: 'rack-a' }],
  clusterId: 'cairn-cluster',
  controllerId: 1,
  topics: [
    {
      errorCode: 0,
      name: 'orders',
      isInternal: false,
      partitions: [
        {
          errorCode: 0,
          partitionIndex: 0,
          leaderId: 1,
          replicaNodes: [1, 2],
          isrNodes: [1],
          offlineReplicas: [2],
        },
      ],
    },
    { errorCode: 0, name: '__consumer_offsets', isInternal: true, partitions: [] },
  ],
};

/** What a response looks like after a trip through `version`: absent fields take defaults. */
function responseAt(version: number): MetadataResponse {
  return {
    throttleTimeMs: version >= 3 ? response.throttleTimeMs : 0,
    brokers: response.brokers.map((broker) => ({
      ...broker,
      rack: version >= 1 ? broker.rack : null,
    })),
    clusterId: version >= 2 ? response.clusterId : null,
    controllerId: version >= 1 ? response.controllerId : -1,
    topics: response.topics.map((topic) => ({
      ...topic,
      isInternal: version >= 1 ? topic.isInternal : false,
      partitions: topic.partitions.map((partition) => ({
        ...partition,
        offlineReplicas: version >= 5 ? partition.offlineReplicas : [],
      })),
    })),
  };
}

describe('Metadata', () => {
  it('decodes kafkajs requests, v0-v6', async () => {
    for (const version of versionsOf(metadataApi)) {
      const bytes = await kafkajsRequestBytes('metadata', version, {
        topics: ['orders', 'payments'],
        allowAutoTopicCreation: false,
      });
      expect(decodeRequest(metadataApi, version, bytes)).toEqual({
        topics: [{ name: 'orders' }, { name: 'payments' }],
        allowAutoTopicCreation: version < 4,
      });
    }
  });

  it('reads a v0 empty topic list as all topics, and a v1+ null as all topics', async () => {
    const v0 = await kafkajsRequestBytes('metadata', 0, { topics: [] });
    expect(decodeRequest(metadataApi, 0, v0).topics).toBeNull();
    // kafkajs writes an empty v1+ list as null (it means "all topics" to kafkajs too).
    const v1 = await kafkajsRequestBytes('metadata', 1, { topics: [] });
    expect(decodeRequest(metadataApi, 1, v1).topics).toBeNull();
    expect(
      decodeRequest(metadataApi, 1, platformaticRequestBytes('metadata', 1, null)).topics,
    ).toBeNull();
    const v1Empty = encodeRequest(metadataApi, 1, { topics: [], allowAutoTopicCreation: true });
    expect(decodeRequest(metadataApi, 1, v1Empty).topics).toEqual([]);
    expect(encodeRequest(metadataApi, 0, { topics: null, allowAutoTopicCreation: true })).toEqual(
      v0,
    );
  });

  it('asserts rather than send a v0 request for no topics, which v0 reads as all', () => {
    const writer = new Writer();
    const noTopics = { topics: [], allowAutoTopicCreation: true };
    expect(() => metadataApi.encodeRequest(writer, 0, noTopics)).toThrow(AssertionError);
  });

  it('decodes @platformatic/kafka requests, v0-v6', () => {
    for (const version of versionsOf(metadataApi)) {
      const bytes = platformaticRequestBytes('metadata', version, ['orders'], false);
      expect(decodeRequest(metadataApi, version, bytes)).toEqual({
        topics: [{ name: 'orders' }],
        allowAutoTopicCreation: version < 4,
      });
    }
  });

  it('encodes responses kafkajs decodes, v0-v6', async () => {
    for (const version of versionsOf(metadataApi)) {
      const decoded = await kafkajsDecode(
        'metadata',
        version,
        encodeResponse(metadataApi, version, response),
      );
      expect(decoded.brokers).toEqual([
        version >= 1
          ? { nodeId: 1, host: 'localhost', port: 9092, rack: 'rack-a' }
          : { nodeId: 1, host: 'localhost', port: 9092 },
      ]);
      if (version >= 1) expect(decoded.controllerId).toBe(1);
      if (version >= 2) expect(decoded.clusterId).toBe('cairn-cluster');
      // From v6 the broker throttles after answering, so kafkajs reports the time client-side.
      if (version >= 6) expect(decoded.clientSideThrottleTime).toBe(7);
      else if (version >= 3) expect(decoded.throttleTime).toBe(7);
      const [orders] = decoded.topicMetadata as Array<Record<string, unknown>>;
      expect(orders).toMatchObject({ topicErrorCode: 0, topic: 'orders' });
      expect(orders?.partitionMetadata).toEqual([
        {
          partitionErrorCode: 0,
          partitionId: 0,
          leader: 1,
          replicas: [1, 2],
          isr: [1],
          ...(version >= 5 ? { offlineReplicas: [2] } : {}),
        },
      ]);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v6', () => {
    for (const version of versionsOf(metadataApi)) {
      const bytes = encodeResponse(metadataApi, version, response);
      const parsed = platformaticParse(metadataApi, 'metadata', version, bytes);
      expect(parsed).toMatchObject({
        brokers: [{ nodeId: 1, host: 'localhost', port: 9092 }],
        topics: [
          {
            name: 'orders',
            partitions: [{ partitionIndex: 0, leaderId: 1, replicaNodes: [1, 2], isrNodes: [1] }],
          },
          { name: '__consumer_offsets' },
        ],
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(metadataApi)) {
      const request = { topics: [{ name: 'orders' }], allowAutoTopicCreation: false };
      const bytes = encodeRequest(metadataApi, version, request);
      expect(decodeRequest(metadataApi, version, bytes)).toEqual({
        ...request,
        allowAutoTopicCreation: version < 4,
      });
      const responseBytes = encodeResponse(metadataApi, version, response);
      expect(decodeResponse(metadataApi, version, responseBytes)).toEqual(responseAt(version));
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(metadataApi)) {
      const request = { topics: [{ name: 'orders' }], allowAutoTopicCreation: true };
      expectTruncationsThrow(
        (reader) => metadataApi.decodeRequest(reader, version),
        encodeRequest(metadataApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => metadataApi.decodeResponse(reader, version),
        encodeResponse(metadataApi, version, response),
      );
    }
  });
});
