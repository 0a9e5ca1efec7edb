// Proves the FindCoordinator codecs (v0-v2) agree with kafkajs and @platformatic/kafka in both
// directions, round-trip every version with defaults filled in, and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import { type FindCoordinatorResponse, findCoordinatorApi } from '../../src/index.js';
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

const api = findCoordinatorApi;
const request = { key: 'orders-consumers', keyType: 0 };
const response: FindCoordinatorResponse = {
  throttleTimeMs: 5,
  errorCode: 0,
  errorMessage: null,
  nodeId: 1,
  host: 'broker-1.local',
  port: 9092,
};

/** What a version can carry of `response`; the rest takes the schema's defaults. */
function responseAt(version: number): FindCoordinatorResponse {
  return version >= 1 ? response : { ...response, throttleTimeMs: 0, errorMessage: null };
}

describe('FindCoordinator', () => {
  it('decodes kafkajs v0-v2 requests and encodes the same bytes', async () => {
    const v0 = await kafkajsRequestBytes('findCoordinator', 0, { groupId: request.key });
    expect(decodeRequest(api, 0, v0)).toEqual(request);
    expect(encodeRequest(api, 0, request)).toEqual(v0);
    for (const version of [1, 2]) {
      const bytes = await kafkajsRequestBytes('findCoordinator', version, {
        coordinatorKey: 'txn-1',
        coordinatorType: 1,
      });
      const expected = { key: 'txn-1', keyType: 1 };
      expect(decodeRequest(api, version, bytes)).toEqual(expected);
      expect(encodeRequest(api, version, expected)).toEqual(bytes);
    }
  });

  it('v0-v2 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'findCoordinator',
        version,
        encodeResponse(api, version, response),
      );
      expect(decoded).toMatchObject({
        errorCode: 0,
        coordinator: { nodeId: 1, host: 'broker-1.local', port: 9092 },
      });
      // kafkajs reports a v2 throttle as clientSideThrottleTime (KIP-219).
      if (version === 1) expect(decoded).toMatchObject({ throttleTime: 5, errorMessage: null });
      if (version === 2) expect(decoded).toMatchObject({ clientSideThrottleTime: 5 });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes('findCoordinator', version, 0, [request.key]);
      expect(decodeRequest(api, version, bytes)).toEqual(request);
      const parsed = platformaticParse(
        api,
        'findCoordinator',
        version,
        encodeResponse(api, version, response),
      );
      // @platformatic/kafka presents pre-v4 answers as one entry of v4's Coordinators.
      expect(parsed.coordinators).toEqual([
        expect.objectContaining({ errorCode: 0, nodeId: 1, host: 'broker-1.local', port: 9092 }),
      ]);
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(api)) {
      const expectedRequest = version >= 1 ? request : { ...request, keyType: 0 };
      expect(decodeRequest(api, version, encodeRequest(api, version, request))).toEqual(
        expectedRequest,
      );
      const withMessage = { ...response, errorCode: 15, errorMessage: 'not available' };
      const decoded = decodeResponse(api, version, encodeResponse(api, version, withMessage));
      expect(decoded).toEqual(
        version >= 1 ? withMessage : { ...responseAt(version), errorCode: 15 },
      );
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
