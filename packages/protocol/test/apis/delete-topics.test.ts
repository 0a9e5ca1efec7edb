// Proves the DeleteTopics codecs (v0-v3) agree with kafkajs (v0-v1) and @platformatic/kafka
// (v0-v3) in both directions, fill defaults for fields a version lacks, and reject every
// truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import { type DeleteTopicsResponse, deleteTopicsApi } from '../../src/index.js';
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

const request = { topicNames: ['orders', 'payments'], timeoutMs: 5_000 };

const response: DeleteTopicsResponse = {
  throttleTimeMs: 2,
  responses: [
    { name: 'orders', errorCode: 0 },
    { name: 'payments', errorCode: 0 },
  ],
};

describe('DeleteTopics', () => {
  it('decodes kafkajs requests, v0-v1', async () => {
    for (const version of [0, 1]) {
      const bytes = await kafkajsRequestBytes('deleteTopics', version, {
        topics: ['orders', 'payments'],
        timeout: 5_000,
      });
      expect(decodeRequest(deleteTopicsApi, version, bytes)).toEqual(request);
    }
  });

  it('decodes @platformatic/kafka requests, v0-v3', () => {
    for (const version of versionsOf(deleteTopicsApi)) {
      const topics = [{ name: 'orders' }, { name: 'payments' }];
      const bytes = platformaticRequestBytes('deleteTopics', version, topics, 5_000);
      expect(decodeRequest(deleteTopicsApi, version, bytes)).toEqual(request);
    }
  });

  it('encodes responses kafkajs decodes, v0-v1', async () => {
    for (const version of [0, 1]) {
      const bytes = encodeResponse(deleteTopicsApi, version, response);
      const decoded = await kafkajsDecode('deleteTopics', version, bytes);
      expect(decoded.topicErrors).toEqual([
        { topic: 'orders', errorCode: 0 },
        { topic: 'payments', errorCode: 0 },
      ]);
      if (version === 1) expect(decoded.clientSideThrottleTime).toBe(2);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v3', () => {
    for (const version of versionsOf(deleteTopicsApi)) {
      const bytes = encodeResponse(deleteTopicsApi, version, response);
      expect(platformaticParse(deleteTopicsApi, 'deleteTopics', version, bytes)).toMatchObject({
        responses: [
          { name: 'orders', errorCode: 0 },
          { name: 'payments', errorCode: 0 },
        ],
      });
    }
  });

  it('round-trips every version, filling defaults', () => {
    for (const version of versionsOf(deleteTopicsApi)) {
      const bytes = encodeRequest(deleteTopicsApi, version, request);
      expect(decodeRequest(deleteTopicsApi, version, bytes)).toEqual(request);
      const responseBytes = encodeResponse(deleteTopicsApi, version, response);
      expect(decodeResponse(deleteTopicsApi, version, responseBytes)).toEqual({
        ...response,
        throttleTimeMs: version >= 1 ? 2 : 0,
      });
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(deleteTopicsApi)) {
      expectTruncationsThrow(
        (reader) => deleteTopicsApi.decodeRequest(reader, version),
        encodeRequest(deleteTopicsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => deleteTopicsApi.decodeResponse(reader, version),
        encodeResponse(deleteTopicsApi, version, response),
      );
    }
  });
});
