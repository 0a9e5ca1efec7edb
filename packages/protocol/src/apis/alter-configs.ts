/**
 * AlterConfigs (key 33): replace the whole configuration of topics or brokers.
 *
 * Client maxima: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v0, kafka-python 2.0 up to v1.
 * Cairn implements v0-v1, none flexible.
 *
 * Request (AlterConfigsRequest.json)
 *   Resources [                                        v0+
 *     ResourceType int8                                2 topic, 4 broker
 *     ResourceName string,
 *     Configs [Name string, Value string|null]]
 *   ValidateOnly bool                                  v0+
 * Response (AlterConfigsResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   Responses [ErrorCode int16, ErrorMessage string|null, ResourceType int8,
 *              ResourceName string]                    v0+
 *
 * Versions: v1 is v0 with throttling after the response. v2 is the first flexible version.
 * IncrementalAlterConfigs answers with the same response shape.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';

export interface AlterConfigsRequestConfig {
  name: string;
  value: string | null;
}

export interface AlterConfigsRequestResource {
  resourceType: number;
  resourceName: string;
  configs: AlterConfigsRequestConfig[];
}

export interface AlterConfigsRequest {
  resources: AlterConfigsRequestResource[];
  validateOnly: boolean;
}

export interface AlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface AlterConfigsResponse {
  throttleTimeMs: number;
  responses: AlterConfigsResourceResponse[];
}

const minVersion = 0;
const maxVersion = 1;
const flexibleVersion = 2;
// The codecs below write no compact fields or tags: raising maxVersion to 2 means adding them.
assert(maxVersion < flexibleVersion, 'AlterConfigs codecs are non-flexible');

function readResource(reader: Reader): AlterConfigsRequestResource {
  return {
    resourceType: reader.readInt8(),
    resourceName: reader.readString(),
    configs: reader.readArray((r) => ({ name: r.readString(), value: r.readNullableString() })),
  };
}

function readResourceResponse(reader: Reader): AlterConfigsResourceResponse {
  return {
    errorCode: reader.readInt16(),
    errorMessage: reader.readNullableString(),
    resourceType: reader.readInt8(),
    resourceName: reader.readString(),
  };
}

export const alterConfigsApi: Api<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  name: 'AlterConfigs',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, _version, request) {
    writer.writeArray(request.resources, (w, resource) => {
      w.writeInt8(resource.resourceType);
      w.writeString(resource.resourceName);
      w.writeArray(resource.configs, (w2, config) => {
        w2.writeString(config.name);
        w2.writeNullableString(config.value);
      });
    });
    writer.writeBoolean(request.validateOnly);
  },

  decodeRequest(reader, _version) {
    const resources = reader.readArray(readResource);
    const validateOnly = reader.readBoolean();
    return { resources, validateOnly };
  },

  encodeResponse(writer, _version, response) {
    writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.responses, (w, resource) => {
      w.writeInt16(resource.errorCode);
      w.writeNullableString(resource.errorMessage);
      w.writeInt8(resource.resourceType);
      w.writeString(resource.resourceName);
    });
  },

  decodeResponse(reader, _version) {
    const throttleTimeMs = reader.readInt32();
    const responses = reader.readArray(readResourceResponse);
    return { throttleTimeMs, responses };
  },
};
