// Proves the DeleteGroups codecs (v0-v1) agree with kafkajs and @platformatic/kafka in both
// directions, round-trip every version, and reject truncated bodies.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  deleteGroupsApi,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  kafkajsDecode,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const require = createRequire(import.meta.url);
const api = deleteGroupsApi;

/** kafkajs's DeleteGroups request takes the bare array of names, not an argument object. */
type KafkajsDeleteGroupsRequest = (groupIds: string[]) => {
  encode(): Promise<{ buffer: Buffer }>;
};
const kafkajsRequest = (version: number) =>
  require(
    `kafkajs/src/protocol/requests/deleteGroups/v${version}/request`,
  ) as KafkajsDeleteGroupsRequest;
const request: DeleteGroupsRequest = { groupsNames: ['orders-consumers', 'old-group'] };
const response: DeleteGroupsResponse = {
  throttleTimeMs: 5,
  results: [
    { groupId: 'orders-consumers', errorCode: 0 },
    { groupId: 'old-group', errorCode: 0 },
  ],
};
/** NON_EMPTY_GROUP for the first group: kafkajs's decode attaches an error, not a throw. */
const failed: DeleteGroupsResponse = {
  ...response,
  results: [{ groupId: 'orders-consumers', errorCode: 68 }],
};

describe('DeleteGroups', () => {
  it('decodes kafkajs v0-v1 requests and encodes the same bytes', async () => {
    for (const version of versionsOf(api)) {
      const bytes = (await kafkajsRequest(version)(request.groupsNames).encode()).buffer;
      expect(decodeRequest(api, version, bytes)).toEqual(request);
      expect(encodeRequest(api, version, request)).toEqual(bytes);
    }
  });

  it('v0-v1 responses decode with kafkajs', async () => {
    for (const version of versionsOf(api)) {
      const decoded = await kafkajsDecode(
        'deleteGroups',
        version,
        encodeResponse(api, version, failed),
      );
      expect(decoded).toMatchObject({
        throttleTimeMs: 5,
        results: [{ groupId: 'orders-consumers', errorCode: 68 }],
      });
    }
  });

  it('decodes @platformatic/kafka requests and its parser reads our responses', () => {
    for (const version of versionsOf(api)) {
      const bytes = platformaticRequestBytes('deleteGroups', version, request.groupsNames);
      expect(decodeRequest(api, version, bytes)).toEqual(request);
      const parsed = platformaticParse(
        api,
        'deleteGroups',
        version,
        encodeResponse(api, version, response),
      );
      expect(parsed).toEqual(response);
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(api)) {
      const requestBytes = encodeRequest(api, version, request);
      expect(decodeRequest(api, version, requestBytes)).toEqual(request);
      const responseBytes = encodeResponse(api, version, failed);
      expect(decodeResponse(api, version, responseBytes)).toEqual(failed);
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
