// Proves the ApiVersions codecs agree with two independent clients: kafkajs (v0-v2) and
// @platformatic/kafka (v3, flexible), in both directions, and reject truncated bodies.
import { createRequire } from 'node:module';
import { apiVersionsV3, Reader as PlatformaticReader } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { apiVersionsApi, ProtocolError, Reader, Writer } from '../../src/index.js';

const require = createRequire(import.meta.url);

interface KafkajsResponseModule {
  decode(buffer: Buffer): Promise<{ errorCode: number; apiVersions: unknown[] }>;
}
const kafkajsResponse = (version: number): KafkajsResponseModule =>
  require(`kafkajs/src/protocol/requests/apiVersions/v${version}/response`);

const response = {
  errorCode: 0,
  apiKeys: [
    { apiKey: 0, minVersion: 3, maxVersion: 9 },
    { apiKey: 18, minVersion: 0, maxVersion: 3 },
  ],
  throttleTimeMs: 0,
};

function encodeResponse(version: number): Buffer {
  const writer = new Writer();
  apiVersionsApi.encodeResponse(writer, version, response);
  return writer.finishCopy();
}

describe('ApiVersions', () => {
  it('v0-v2 responses decode with kafkajs', async () => {
    for (const version of [0, 1, 2]) {
      const decoded = await kafkajsResponse(version).decode(encodeResponse(version));
      expect(decoded.errorCode).toBe(0);
      expect(decoded.apiVersions).toEqual(response.apiKeys);
    }
  });

  it('v3 request bytes from @platformatic/kafka decode with ours', () => {
    const bytes = apiVersionsV3.createRequest('cairn-test', '1.2.3').buffer;
    const request = apiVersionsApi.decodeRequest(new Reader(bytes), 3);
    expect(request).toEqual({ clientSoftwareName: 'cairn-test', clientSoftwareVersion: '1.2.3' });
  });

  it('v3 responses decode with @platformatic/kafka', () => {
    const reader = PlatformaticReader.from(encodeResponse(3));
    const decoded = apiVersionsV3.parseResponse(1, 18, 3, reader);
    expect(
      decoded.apiKeys.map(({ apiKey, minVersion, maxVersion }) => [apiKey, minVersion, maxVersion]),
    ).toEqual(
      response.apiKeys.map(({ apiKey, minVersion, maxVersion }) => [
        apiKey,
        minVersion,
        maxVersion,
      ]),
    );
  });

  it('round-trips every version', () => {
    for (let version = apiVersionsApi.minVersion; version <= apiVersionsApi.maxVersion; version++) {
      const decoded = apiVersionsApi.decodeResponse(new Reader(encodeResponse(version)), version);
      expect(decoded).toEqual({ ...response, throttleTimeMs: 0 });
    }
  });

  it('rejects every truncation of a response with a ProtocolError', () => {
    for (let version = 0; version <= 3; version++) {
      const bytes = encodeResponse(version);
      for (let length = 0; length < bytes.length; length++) {
        const reader = new Reader(bytes.subarray(0, length));
        expect(() => apiVersionsApi.decodeResponse(reader, version)).toThrow(ProtocolError);
      }
    }
  });
});
