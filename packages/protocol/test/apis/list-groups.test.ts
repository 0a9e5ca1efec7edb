// Proves the ListGroups codecs (v0-v4) agree with kafkajs (v0-v2) and @platformatic/kafka
// (v0-v4, flexible from v3) in both directions, round-trip every version with defaults filled
// in, and reject truncated bodies.
import { describe, expect, it } from 'vitest';
import { type ListGroupsRequest, type ListGroupsResponse, listGroupsApi } from '../../src/index.js';
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

const api = listGroupsApi;
const kafkajsVersions = [0, 1, 2];
const request: ListGroupsRequest = { statesFilter: ['Stable', 'Empty'] };
const response: ListGroupsResponse = {
  throttleTimeMs: 5,
  errorCode: 0,
  groups: [
    { groupId: 'orders-consumers', protocolType: 'consumer', groupState: 'Stable' },
    { groupId: 'connect-cluster', protocolType: 'connect', groupState: 'Empty' },
  ],
};

function requestAt(version: number): ListGroupsRequest {
  return { statesFilter: version >= 4 ? request.statesFilter : [] };
}

function responseAt(version: number): ListGroupsResponse {
  return {
    throttleTimeMs: version >= 1 ? response.throttleTimeMs : 0,
    errorCode: response.errorCode,
    groups: response.groups.map((group) => ({
      ...group,
      groupState: version >= 4 ? group.groupState : '',
    })),
  };
}

describe('ListGroups', () => {
  it('decodes kafkajs v0-v2 requests and encodes the same bytes', async () => {
    for (const version of kafkajsVersions) {
      const bytes = await kafkajsRequestBytes('listGroups', version, {});
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v2 responses decode with kafkajs', async () => {
    for (const version of kafkajsVersions) {
      const bytes = encodeResponse(api, version, response);
      expect(await kafkajsDecode('listGroups', version, bytes)).toMatchObject({
        errorCode: 0,
        groups: response.groups.map(({ groupId, protocolType }) => ({ groupId, protocolType })),
      });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes('listGroups', version, request.statesFilter, []);
      expect(decodeRequest(api, version, bytes)).toEqual(requestAt(version));
      const parsed = platformaticParse(
        api,
        'listGroups',
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
