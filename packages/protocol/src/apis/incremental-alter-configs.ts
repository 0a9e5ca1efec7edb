/**
 * IncrementalAlterConfigs (key 44): set, delete, append to or subtract from single config keys
 * of topics or brokers (KIP-339), leaving the other keys as they are.
 *
 * Client maxima: none of kafkajs 2.2, librdkafka 2.0 (it names the API but has no request for
 * it before 2.2) and kafka-python 2.0 sends it; the Java admin client and @platformatic/kafka
 * do. Cairn implements v0-v1; v1 is the first flexible version.
 *
 * Request (IncrementalAlterConfigsRequest.json)
 *   Resources [                                        v0+
 *     ResourceType int8                                2 topic, 4 broker
 *     ResourceName string,
 *     Configs [Name string,
 *              ConfigOperation int8                    0 set, 1 delete, 2 append, 3 subtract
 *              Value string|null]]
 *   ValidateOnly bool                                  v0+
 * Response (IncrementalAlterConfigsResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   Responses [ErrorCode int16, ErrorMessage string|null, ResourceType int8,
 *              ResourceName string]                    v0+
 *
 * Versions: v1 is v0 made flexible.
 */
import type { Api } from '../api.js';
import {
  readArrayField,
  readNullableStringField,
  readStringField,
  readTagsField,
  writeArrayField,
  writeNullableStringField,
  writeStringField,
  writeTagsField,
} from '../fields.js';
import type { Reader } from '../reader.js';

export interface IncrementalAlterConfigsRequestConfig {
  name: string;
  configOperation: number;
  value: string | null;
}

export interface IncrementalAlterConfigsRequestResource {
  resourceType: number;
  resourceName: string;
  configs: IncrementalAlterConfigsRequestConfig[];
}

export interface IncrementalAlterConfigsRequest {
  resources: IncrementalAlterConfigsRequestResource[];
  validateOnly: boolean;
}

export interface IncrementalAlterConfigsResourceResponse {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export interface IncrementalAlterConfigsResponse {
  throttleTimeMs: number;
  responses: IncrementalAlterConfigsResourceResponse[];
}

const flexibleVersion = 1;

function readConfig(reader: Reader, flexible: boolean): IncrementalAlterConfigsRequestConfig {
  const name = readStringField(reader, flexible);
  const configOperation = reader.readInt8();
  const value = readNullableStringField(reader, flexible);
  readTagsField(reader, flexible);
  return { name, configOperation, value };
}

function readResource(reader: Reader, flexible: boolean): IncrementalAlterConfigsRequestResource {
  const resourceType = reader.readInt8();
  const resourceName = readStringField(reader, flexible);
  const configs = readArrayField(reader, flexible, (r) => readConfig(r, flexible));
  readTagsField(reader, flexible);
  return { resourceType, resourceName, configs };
}

function readResourceResponse(
  reader: Reader,
  flexible: boolean,
): IncrementalAlterConfigsResourceResponse {
  const errorCode = reader.readInt16();
  const errorMessage = readNullableStringField(reader, flexible);
  const resourceType = reader.readInt8();
  const resourceName = readStringField(reader, flexible);
  readTagsField(reader, flexible);
  return { errorCode, errorMessage, resourceType, resourceName };
}

export const incrementalAlterConfigsApi: Api<
  IncrementalAlterConfigsRequest,
  IncrementalAlterConfigsResponse
> = {
  apiKey: 44,
  name: 'IncrementalAlterConfigs',
  minVersion: 0,
  maxVersion: 1,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeArrayField(writer, flexible, request.resources, (w, resource) => {
      w.writeInt8(resource.resourceType);
      writeStringField(w, flexible, resource.resourceName);
      writeArrayField(w, flexible, resource.configs, (w2, config) => {
        writeStringField(w2, flexible, config.name);
        w2.writeInt8(config.configOperation);
        writeNullableStringField(w2, flexible, config.value);
        writeTagsField(w2, flexible);
      });
      writeTagsField(w, flexible);
    });
    writer.writeBoolean(request.validateOnly);
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const resources = readArrayField(reader, flexible, (r) => readResource(r, flexible));
    const validateOnly = reader.readBoolean();
    readTagsField(reader, flexible);
    return { resources, validateOnly };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    writer.writeInt32(response.throttleTimeMs);
    writeArrayField(writer, flexible, response.responses, (w, resource) => {
      w.writeInt16(resource.errorCode);
      writeNullableStringField(w, flexible, resource.errorMessage);
      w.writeInt8(resource.resourceType);
      writeStringField(w, flexible, resource.resourceName);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = reader.readInt32();
    const responses = readArrayField(reader, flexible, (r) => readResourceResponse(r, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, responses };
  },
};
