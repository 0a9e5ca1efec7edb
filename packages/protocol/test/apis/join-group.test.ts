// Proves the JoinGroup codecs (v0-v5) agree with kafkajs and @platformatic/kafka in both
// directions, round-trip every version with defaults filled in, and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  encodeConsumerProtocolSubscription,
  type JoinGroupRequest,
  type JoinGroupResponse,
  joinGroupApi,
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

const api = joinGroupApi;
const subscription = encodeConsumerProtocolSubscription({
  version: 0,
  topics: ['orders', 'payments'],
  userData: null,
  ownedPartitions: [],
  generationId: -1,
  rackId: null,
});

const request: JoinGroupRequest = {
  groupId: 'orders-consumers',
  sessionTimeoutMs: 30_000,
  rebalanceTimeoutMs: 60_000,
  memberId: 'consumer-1-4f1c',
  groupInstanceId: 'instance-1',
  protocolType: 'consumer',
  protocols: [
    { name: 'roundrobin', metadata: subscription },
    { name: 'range', metadata: Buffer.alloc(0) },
  ],
};

const response: JoinGroupResponse = {
  throttleTimeMs: 5,
  errorCode: 0,
  generationId: 7,
  protocolName: 'roundrobin',
  leader: 'consumer-1-4f1c',
  memberId: 'consumer-1-4f1c',
  members: [
    { memberId: 'consumer-1-4f1c', groupInstanceId: 'instance-1', metadata: subscription },
    { memberId: 'consumer-2-9a0b', groupInstanceId: null, metadata: Buffer.from([0, 0]) },
  ],
};

function requestAt(version: number): JoinGroupRequest {
  return {
    ...request,
    rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : -1,
    groupInstanceId: version >= 5 ? request.groupInstanceId : null,
  };
}

function responseAt(version: number): JoinGroupResponse {
  return {
    ...response,
    throttleTimeMs: version >= 2 ? response.throttleTimeMs : 0,
    members: response.members.map((member) => ({
      ...member,
      groupInstanceId: version >= 5 ? member.groupInstanceId : null,
    })),
  };
}

describe('JoinGroup', () => {
  it('decodes kafkajs v0-v5 requests and encodes the same bytes', async () => {
    for (const version of versionsOf(api)) {
      const bytes = await kafkajsRequestBytes('joinGroup', version, {
        groupId: request.groupId,
        sessionTimeout: request.sessionTimeoutMs,
        rebalanceTimeout: request.rebalanceTimeoutMs,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        protocolType: request.protocolType,
        groupProtocols: request.protocols,
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v5 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'joinGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(decoded).toMatchObject({
        errorCode: 0,
        generationId: 7,
        groupProtocol: 'roundrobin',
        leaderId: 'consumer-1-4f1c',
        memberId: 'consumer-1-4f1c',
        members: responseAt(version).members.map((member) => ({
          memberId: member.memberId,
          memberMetadata: member.metadata,
          ...(version >= 5 ? { groupInstanceId: member.groupInstanceId } : {}),
        })),
      });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes(
        'joinGroup',
        version,
        request.groupId,
        request.sessionTimeoutMs,
        request.rebalanceTimeoutMs,
        request.memberId,
        request.groupInstanceId,
        request.protocolType,
        request.protocols,
      );
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const expected = responseAt(version);
      const parsed = platformaticParse(
        api,
        'joinGroup',
        version,
        encodeResponse(api, version, response),
      );
      expect(parsed).toMatchObject({
        throttleTimeMs: expected.throttleTimeMs,
        errorCode: 0,
        generationId: 7,
        protocolName: 'roundrobin',
        leader: 'consumer-1-4f1c',
        memberId: 'consumer-1-4f1c',
        members: expected.members,
      });
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
