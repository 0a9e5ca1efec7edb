// Proves the SyncGroup codecs (v0-v3) agree with kafkajs and @platformatic/kafka in both
// directions, round-trip every version with defaults filled in, and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  encodeConsumerProtocolAssignment,
  type SyncGroupRequest,
  type SyncGroupResponse,
  syncGroupApi,
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

const api = syncGroupApi;
const assignment = encodeConsumerProtocolAssignment({
  version: 0,
  assignedPartitions: [{ topic: 'orders', partitions: [0, 2] }],
  userData: null,
});

const request: SyncGroupRequest = {
  groupId: 'orders-consumers',
  generationId: 7,
  memberId: 'consumer-1-4f1c',
  groupInstanceId: 'instance-1',
  assignments: [
    { memberId: 'consumer-1-4f1c', assignment },
    { memberId: 'consumer-2-9a0b', assignment: Buffer.alloc(0) },
  ],
};

const response: SyncGroupResponse = { throttleTimeMs: 5, errorCode: 0, assignment };

function requestAt(version: number): SyncGroupRequest {
  return { ...request, groupInstanceId: version >= 3 ? request.groupInstanceId : null };
}

function responseAt(version: number): SyncGroupResponse {
  return { ...response, throttleTimeMs: version >= 1 ? response.throttleTimeMs : 0 };
}

describe('SyncGroup', () => {
  it('decodes kafkajs v0-v3 requests and encodes the same bytes', async () => {
    for (const version of versionsOf(api)) {
      const bytes = await kafkajsRequestBytes('syncGroup', version, {
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        groupAssignment: request.assignments.map(({ memberId, assignment }) => ({
          memberId,
          memberAssignment: assignment,
        })),
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v3 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'syncGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(decoded).toMatchObject({ errorCode: 0, memberAssignment: assignment });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes(
        'syncGroup',
        version,
        request.groupId,
        request.generationId,
        request.memberId,
        request.groupInstanceId,
        null,
        null,
        request.assignments,
      );
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const parsed = platformaticParse(
        api,
        'syncGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(parsed).toMatchObject(responseAt(version));
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
