// Proves the Heartbeat codecs (v0-v3) agree with kafkajs and @platformatic/kafka in both
// directions, round-trip every version with defaults filled in, and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import { type HeartbeatRequest, type HeartbeatResponse, heartbeatApi } from '../../src/index.js';
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

const api = heartbeatApi;
const request: HeartbeatRequest = {
  groupId: 'orders-consumers',
  generationId: 7,
  memberId: 'consumer-1-4f1c',
  groupInstanceId: 'instance-1',
};
/** REBALANCE_IN_PROGRESS: kafkajs's decode passes it through (its parse would throw). */
const response: HeartbeatResponse = { throttleTimeMs: 5, errorCode: 27 };

function requestAt(version: number): HeartbeatRequest {
  return { ...request, groupInstanceId: version >= 3 ? request.groupInstanceId : null };
}

function responseAt(version: number): HeartbeatResponse {
  return { ...response, throttleTimeMs: version >= 1 ? response.throttleTimeMs : 0 };
}

describe('Heartbeat', () => {
  it('decodes kafkajs v0-v3 requests and encodes the same bytes', async () => {
    for (const version of versionsOf(api)) {
      const bytes = await kafkajsRequestBytes('heartbeat', version, {
        groupId: request.groupId,
        groupGenerationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v3 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'heartbeat',
        version,
        encodeResponse(api, version, response),
      );
      expect(decoded).toMatchObject({ errorCode: 27 });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    const ok = { ...response, errorCode: 0 };
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes(
        'heartbeat',
        version,
        request.groupId,
        request.generationId,
        request.memberId,
        request.groupInstanceId,
      );
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const parsed = platformaticParse(api, 'heartbeat', version, encodeResponse(api, version, ok));
      expect(parsed).toEqual({ ...responseAt(version), errorCode: 0 });
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
