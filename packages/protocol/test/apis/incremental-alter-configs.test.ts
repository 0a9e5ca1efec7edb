// Proves the IncrementalAlterConfigs codecs (v0-v1; v1 flexible) agree with @platformatic/kafka
// in both directions (kafkajs 2.2 has no such request), skip unknown tagged fields, and reject
// every truncated request with a ProtocolError.
import { describe, expect, it } from 'vitest';
import {
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
  incrementalAlterConfigsApi,
  Writer,
} from '../../src/index.js';
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  expectTruncationsThrow,
  platformaticParse,
  platformaticRequestBytes,
  versionsOf,
} from './codec-checks.js';

const SET = 0;
const DELETE = 1;

const request: IncrementalAlterConfigsRequest = {
  resources: [
    {
      resourceType: 2,
      resourceName: 'orders',
      configs: [
        { name: 'retention.ms', configOperation: SET, value: '3600000' },
        { name: 'cleanup.policy', configOperation: DELETE, value: null },
      ],
    },
  ],
  validateOnly: false,
};

const response: IncrementalAlterConfigsResponse = {
  throttleTimeMs: 0,
  responses: [{ errorCode: 0, errorMessage: null, resourceType: 2, resourceName: 'orders' }],
};

describe('IncrementalAlterConfigs', () => {
  it('decodes @platformatic/kafka requests, v0-v1', () => {
    for (const version of versionsOf(incrementalAlterConfigsApi)) {
      const bytes = platformaticRequestBytes(
        'incrementalAlterConfigs',
        version,
        request.resources,
        false,
      );
      expect(decodeRequest(incrementalAlterConfigsApi, version, bytes)).toEqual(request);
    }
  });

  it('encodes responses @platformatic/kafka parses, v0-v1', () => {
    for (const version of versionsOf(incrementalAlterConfigsApi)) {
      const bytes = encodeResponse(incrementalAlterConfigsApi, version, response);
      expect(
        platformaticParse(incrementalAlterConfigsApi, 'incrementalAlterConfigs', version, bytes),
      ).toMatchObject(response);
    }
  });

  it('skips unknown tagged fields at every level of a flexible request', () => {
    const tags = new Map([[7, Buffer.from([1, 2, 3])]]);
    const writer = new Writer();
    writer.writeUnsignedVarInt(2); // one resource
    writer.writeInt8(2);
    writer.writeCompactString('orders');
    writer.writeUnsignedVarInt(2); // one config
    writer.writeCompactString('retention.ms');
    writer.writeInt8(SET);
    writer.writeCompactNullableString('1000');
    writer.writeTaggedFields(tags);
    writer.writeTaggedFields(tags);
    writer.writeBoolean(true);
    writer.writeTaggedFields(tags);
    expect(decodeRequest(incrementalAlterConfigsApi, 1, writer.finishCopy())).toEqual({
      resources: [
        {
          resourceType: 2,
          resourceName: 'orders',
          configs: [{ name: 'retention.ms', configOperation: SET, value: '1000' }],
        },
      ],
      validateOnly: true,
    });
  });

  it('round-trips every version', () => {
    const failed: IncrementalAlterConfigsResponse = {
      throttleTimeMs: 5,
      responses: [
        { errorCode: 40, errorMessage: 'Invalid config.', resourceType: 2, resourceName: 'x' },
      ],
    };
    for (const version of versionsOf(incrementalAlterConfigsApi)) {
      const bytes = encodeRequest(incrementalAlterConfigsApi, version, request);
      expect(decodeRequest(incrementalAlterConfigsApi, version, bytes)).toEqual(request);
      for (const sample of [response, failed]) {
        const responseBytes = encodeResponse(incrementalAlterConfigsApi, version, sample);
        expect(decodeResponse(incrementalAlterConfigsApi, version, responseBytes)).toEqual(sample);
      }
    }
  });

  it('rejects every truncation of a request and a response with a ProtocolError', () => {
    for (const version of versionsOf(incrementalAlterConfigsApi)) {
      expectTruncationsThrow(
        (reader) => incrementalAlterConfigsApi.decodeRequest(reader, version),
        encodeRequest(incrementalAlterConfigsApi, version, request),
      );
      expectTruncationsThrow(
        (reader) => incrementalAlterConfigsApi.decodeResponse(reader, version),
        encodeResponse(incrementalAlterConfigsApi, version, response),
      );
    }
  });
});
