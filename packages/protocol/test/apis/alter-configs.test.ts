// Proves the AlterConfigs codecs (v0-v1) agree with kafkajs and @platformatic/kafka in both
// directions and reject every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type AlterConfigsRequest,
  type AlterConfigsResponse,
  alterConfigsApi,
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

const request: AlterConfigsRequest = {
  resources: [
    {
      resourceType: 2,
      resourceName: 'orders',
      configs: [
        { name: 'retention.ms', value: '3600000' },
        { name: 'cleanup.policy', value: 'compact' },
      ],
    },
  ],
  validateOnly: true,
};

const response: AlterConfigsResponse = {
  throttleTimeMs: 9,
  responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }],
};

describe('AlterConfigs', () => {
  it('decodes kafkajs requests, v0-v1', async () => {
    for (const version of versionsOf(alterConfigsApi)) {
      const bytes = await kafkajsRequestBytes('alterConfigs', version, {
        validateOnly: true,
        resources: [{ type: 2, name: 'orders', configEntries: request.resources[0]?.configs }],
      });
      expect(decodeRequest(alterConfigsApi, version, bytes)).toEqual(request);
    }
  });

  it('decodes @platformatic/kafka requests, v0-v1', () => {
    for (const version of versionsOf(alterConfigsApi)) {
      const bytes = platformaticRequestBytes('alterConfigs', version, request.resources, true);
      expect(decodeRequest(alterConfigsApi, version, bytes)).toEqual(request);
    }
  });

  it('encodes responses kafkajs decodes, v0-v1', async () => {
    for (const version of versionsOf(alterConfigsApi)) {
      const bytes = encodeResponse(alterConfigsApi, version, response);
      const decoded = await kafkajsDecode('alterConfigs', version, bytes);
      expect(decoded.resources).toEqual(response.responses);
      expect(version === 0 ? decoded.throttleTime : decoded.clientSideThrottleTime).toBe(9);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v1', () => {
    for (const version of versionsOf(alterConfigsApi)) {
      const bytes = encodeResponse(alterConfigsApi, version, response);
      expect(platformaticParse(alterConfigsApi, 'alterConfigs', version, bytes)).toMatchObject(
        response,
      );
    }
  });

  it('round-trips every version', () => {
    for (const version of versionsOf(alterConfigsApi)) {
      const bytes = encodeRequest(alterConfigsApi, version, request);
      expect(decodeRequest(alterConfigsApi, version, bytes)).toEqual(request);
      const responseBytes = encodeResponse(alterConfigsApi, version, response);
      expect(decodeResponse(alterConfigsApi, version, responseBytes)).toEqual(response);
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(alterConfigsApi)) {
      expectTruncationsThrow(
        (reader) => alterConfigsApi.decodeRequest(reader, version),
        encodeRequest(alterConfigsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => alterConfigsApi.decodeResponse(reader, version),
        encodeResponse(alterConfigsApi, version, response),
      );
    }
  });
});
