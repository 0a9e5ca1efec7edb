// Proves the LeaveGroup codecs (v0-v3) agree with kafkajs and @platformatic/kafka in both
// directions, that v0-v2's single MemberId is lifted into `members`, round-trip every version,
// and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  AssertionError,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  leaveGroupApi,
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

const api = leaveGroupApi;
const single: LeaveGroupRequest = {
  groupId: 'orders-consumers',
  members: [{ memberId: 'consumer-1-4f1c', groupInstanceId: null }],
};
const batch: LeaveGroupRequest = {
  groupId: 'orders-consumers',
  members: [
    { memberId: 'consumer-1-4f1c', groupInstanceId: 'instance-1' },
    { memberId: 'consumer-2-9a0b', groupInstanceId: null },
  ],
};
const response: LeaveGroupResponse = {
  throttleTimeMs: 5,
  errorCode: 0,
  members: [
    { memberId: 'consumer-1-4f1c', groupInstanceId: 'instance-1', errorCode: 0 },
    { memberId: 'consumer-2-9a0b', groupInstanceId: null, errorCode: 0 },
  ],
};

function requestFor(version: number): LeaveGroupRequest {
  return version >= 3 ? batch : single;
}

function responseAt(version: number): LeaveGroupResponse {
  if (version >= 3) return response;
  return { errorCode: 0, throttleTimeMs: version >= 1 ? response.throttleTimeMs : 0, members: [] };
}

describe('LeaveGroup', () => {
  it('decodes kafkajs v0-v3 requests and encodes the same bytes', async () => {
    for (const version of versionsOf(api)) {
      const { groupId, members } = requestFor(version);
      const args =
        version >= 3 ? { groupId, members } : { groupId, memberId: members[0]?.memberId };
      const bytes = await kafkajsRequestBytes('leaveGroup', version, args);
      expect(decodeRequest(api, version, bytes)).toEqual(requestFor(version));
      expect(encodeRequest(api, version, requestFor(version))).toEqual(bytes);
    }
  });

  it('v0-v3 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'leaveGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(decoded).toMatchObject({ errorCode: 0 });
      if (version >= 3) expect(decoded).toMatchObject({ members: response.members });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const { groupId, members } = requestFor(version);
      const bytes = platformaticRequestBytes('leaveGroup', version, groupId, members);
      expect(decodeRequest(api, version, bytes)).toEqual(requestFor(version));
      const parsed = platformaticParse(
        api,
        'leaveGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(parsed).toEqual(responseAt(version));
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(api)) {
      const requestBytes = encodeRequest(api, version, requestFor(version));
      expect(decodeRequest(api, version, requestBytes)).toEqual(requestFor(version));
      const responseBytes = encodeResponse(api, version, response);
      expect(decodeResponse(api, version, responseBytes)).toEqual(responseAt(version));
    }
  });

  it('refuses to encode a batch in v0-v2, which carry one member', () => {
    for (const version of [0, 1, 2]) {
      expect(() => api.encodeRequest(new Writer(), version, batch)).toThrow(AssertionError);
    }
  });

  it('rejects every truncation of a request or response with a ProtocolError', () => {
    for (const version of versionsOf(api)) {
      const requestBytes = encodeRequest(api, version, requestFor(version));
      expectTruncationsThrow((reader) => api.decodeRequest(reader, version), requestBytes);
      const responseBytes = encodeResponse(api, version, response);
      expectTruncationsThrow((reader) => api.decodeResponse(reader, version), responseBytes);
    }
  });
});
