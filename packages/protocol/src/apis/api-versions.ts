/**
 * ApiVersions (key 18): which APIs and versions the broker supports.
 *
 * Request (ApiVersionsRequest.json)
 *   v0-v2  no fields
 *   v3+    ClientSoftwareName string, ClientSoftwareVersion string (KIP-511)
 * Response (ApiVersionsResponse.json)
 *   ErrorCode int16                                    v0+
 *   ApiKeys [ApiKey int16, MinVersion int16, MaxVersion int16]  v0+
 *   ThrottleTimeMs int32                               v1+
 *   tags: SupportedFeatures (0), FinalizedFeaturesEpoch (1), FinalizedFeatures (2),
 *         ZkMigrationReady (3)                         v3+ (Cairn sends none)
 *
 * Versions: v1 adds ThrottleTimeMs; v2 same as v1; v3 is the first flexible version.
 * v4 and v5 change only SupportedFeatures, which Cairn does not send. The response header is
 * always v0 (request-header.ts). A request newer than the broker knows gets UNSUPPORTED_VERSION
 * with a v0 body listing the ApiVersions range (KIP-511).
 */
import type { Api } from '../api.js';
import {
  readArrayField,
  readStringField,
  readTagsField,
  writeArrayField,
  writeStringField,
  writeTagsField,
} from '../fields.js';
import type { Reader } from '../reader.js';

export interface ApiVersionsRequest {
  clientSoftwareName: string;
  clientSoftwareVersion: string;
}

export interface ApiVersionRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: ApiVersionRange[];
  throttleTimeMs: number;
}

const flexibleVersion = 3;

function readApiVersionRange(reader: Reader, flexible: boolean): ApiVersionRange {
  const range = {
    apiKey: reader.readInt16(),
    minVersion: reader.readInt16(),
    maxVersion: reader.readInt16(),
  };
  readTagsField(reader, flexible);
  return range;
}

export const apiVersionsApi: Api<ApiVersionsRequest, ApiVersionsResponse> = {
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 3,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    if (version >= 3) {
      writeStringField(writer, flexible, request.clientSoftwareName);
      writeStringField(writer, flexible, request.clientSoftwareVersion);
    }
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const request: ApiVersionsRequest = { clientSoftwareName: '', clientSoftwareVersion: '' };
    if (version >= 3) {
      request.clientSoftwareName = readStringField(reader, flexible);
      request.clientSoftwareVersion = readStringField(reader, flexible);
    }
    readTagsField(reader, flexible);
    return request;
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    writer.writeInt16(response.errorCode);
    writeArrayField(writer, flexible, response.apiKeys, (w, range) => {
      w.writeInt16(range.apiKey);
      w.writeInt16(range.minVersion);
      w.writeInt16(range.maxVersion);
      writeTagsField(w, flexible);
    });
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const errorCode = reader.readInt16();
    const apiKeys = readArrayField(reader, flexible, (r) => readApiVersionRange(r, flexible));
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    readTagsField(reader, flexible);
    return { errorCode, apiKeys, throttleTimeMs };
  },
};
