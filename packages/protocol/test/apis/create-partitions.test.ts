// Proves the CreatePartitions codecs (v0-v1) agree with kafkajs and @platformatic/kafka in both
// directions, keep a null assignment list apart from an empty one, and reject every truncated
// request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type CreatePartitionsRequest,
  type CreatePartitionsResponse,
  createPartitionsApi,
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

const request: CreatePartitionsRequest = {
  topics: [
    { name: 'orders', count: 6, assignments: null },
    { name: 'placed', count: 2, assignments: [{ brokerIds: [1] }] },
  ],
  timeoutMs: 5_000,
  validateOnly: false,
};

const response: CreatePartitionsResponse = {
  throttleTimeMs: 1,
  results: [
    { name: 'orders', errorCode: 0, errorMessage: null },
    { name: 'placed', errorCode: 0, errorMessage: null },
  ],
};

describe('CreatePartitions', () => {
  it('decodes kafkajs requests, v0-v1', async () => {
    for (const version of versionsOf(createPartitionsApi)) {
      const bytes = await kafkajsRequestBytes('createPartitions', version, {
        timeout: 5_000,
        validateOnly: false,
        topicPartitions: [
          // kafkajs writes an empty assignment list as null.
          { topic: 'orders', count: 6, assignments: [] },
          { topic: 'placed', count: 2, assignments: [[1]] },
        ],
      });
      expect(decodeRequest(createPartitionsApi, version, bytes)).toEqual(request);
    }
  });

  it('decodes @platformatic/kafka requests, v0-v1', () => {
    for (const version of versionsOf(createPartitionsApi)) {
      const bytes = platformaticRequestBytes(
        'createPartitions',
        version,
        request.topics,
        5_000,
        false,
      );
      expect(decodeRequest(createPartitionsApi, version, bytes)).toEqual(request);
    }
  });

  it('encodes responses kafkajs decodes, v0-v1', async () => {
    for (const version of versionsOf(createPartitionsApi)) {
      const bytes = encodeResponse(createPartitionsApi, version, response);
      const decoded = await kafkajsDecode('createPartitions', version, bytes);
      expect(decoded.topicErrors).toEqual([
        { topic: 'orders', errorCode: 0, errorMessage: null },
        { topic: 'placed', errorCode: 0, errorMessage: null },
      ]);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v1', () => {
    for (const version of versionsOf(createPartitionsApi)) {
      const bytes = encodeResponse(createPartitionsApi, version, response);
      expect(
        platformaticParse(createPartitionsApi, 'createPartitions', version, bytes),
      ).toMatchObject({ throttleTimeMs: 1, results: response.results });
    }
  });

  it('round-trips every version', () => {
    const withEmpty = { ...request, topics: [{ name: 'orders', count: 6, assignments: [] }] };
    for (const version of versionsOf(createPartitionsApi)) {
      for (const sample of [request, withEmpty]) {
        const bytes = encodeRequest(createPartitionsApi, version, sample);
        expect(decodeRequest(createPartitionsApi, version, bytes)).toEqual(sample);
      }
      const responseBytes = encodeResponse(createPartitionsApi, version, response);
      expect(decodeResponse(createPartitionsApi, version, responseBytes)).toEqual(response);
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(createPartitionsApi)) {
      expectTruncationsThrow(
        (reader) => createPartitionsApi.decodeRequest(reader, version),
        encodeRequest(createPartitionsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => createPartitionsApi.decodeResponse(reader, version),
        encodeResponse(createPartitionsApi, version, response),
      );
    }
  });
});
