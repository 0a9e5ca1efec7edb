// Proves the DescribeGroups codecs (v0-v4) agree with kafkajs (v0-v2) and @platformatic/kafka
// (v0-v4) in both directions, round-trip every version with defaults filled in, and reject
// truncated bodies.
import { describe, expect, it } from 'vitest';
import {
  authorizedOperationsOmitted,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  describeGroupsApi,
  encodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
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

const api = describeGroupsApi;
const kafkajsVersions = [0, 1, 2];
const request: DescribeGroupsRequest = {
  groups: ['orders-consumers', 'gone'],
  includeAuthorizedOperations: true,
};

const memberMetadata = encodeConsumerProtocolSubscription({
  version: 0,
  topics: ['orders'],
  userData: null,
  ownedPartitions: [],
  generationId: -1,
  rackId: null,
});
const memberAssignment = encodeConsumerProtocolAssignment({
  version: 0,
  assignedPartitions: [{ topic: 'orders', partitions: [0, 1] }],
  userData: null,
});

const response: DescribeGroupsResponse = {
  throttleTimeMs: 5,
  groups: [
    {
      errorCode: 0,
      groupId: 'orders-consumers',
      groupState: 'Stable',
      protocolType: 'consumer',
      protocolData: 'roundrobin',
      members: [
        {
          memberId: 'consumer-1-4f1c',
          groupInstanceId: 'instance-1',
          clientId: 'consumer-1',
          clientHost: '/127.0.0.1',
          memberMetadata,
          memberAssignment,
        },
      ],
      authorizedOperations: 0x2b8,
    },
    {
      errorCode: 0,
      groupId: 'gone',
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: authorizedOperationsOmitted,
    },
  ],
};

function requestAt(version: number): DescribeGroupsRequest {
  return {
    ...request,
    includeAuthorizedOperations: version >= 3 ? request.includeAuthorizedOperations : false,
  };
}

function responseAt(version: number): DescribeGroupsResponse {
  return {
    throttleTimeMs: version >= 1 ? response.throttleTimeMs : 0,
    groups: response.groups.map((group) => ({
      ...group,
      members: group.members.map((member) => ({
        ...member,
        groupInstanceId: version >= 4 ? member.groupInstanceId : null,
      })),
      authorizedOperations: version >= 3 ? group.authorizedOperations : authorizedOperationsOmitted,
    })),
  };
}

describe('DescribeGroups', () => {
  it('decodes kafkajs v0-v2 requests and encodes the same bytes', async () => {
    for (const version of kafkajsVersions) {
      const bytes = await kafkajsRequestBytes('describeGroups', version, {
        groupIds: request.groups,
      });
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v2 responses decode with kafkajs', async () => {
    for (const version of kafkajsVersions) {
      const bytes = encodeResponse(api, version, response);
      expect(await kafkajsDecode('describeGroups', version, bytes)).toMatchObject({
        groups: response.groups.map((group) => ({
          errorCode: group.errorCode,
          groupId: group.groupId,
          state: group.groupState,
          protocolType: group.protocolType,
          protocol: group.protocolData,
          members: group.members.map((member) => ({
            memberId: member.memberId,
            clientId: member.clientId,
            clientHost: member.clientHost,
            memberMetadata: member.memberMetadata,
            memberAssignment: member.memberAssignment,
          })),
        })),
      });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes(
        'describeGroups',
        version,
        request.groups,
        request.includeAuthorizedOperations,
      );
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const parsed = platformaticParse(
        api,
        'describeGroups',
        version,
        encodeResponse(api, version, response),
      );
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
