/**
 * DescribeConfigs (key 32): the configuration of topics and brokers.
 *
 * Client maxima: kafkajs 2.2 sends up to v2, librdkafka 2.0 up to v1, kafka-python 2.0 up to v2.
 * Cairn implements v0-v2, none flexible.
 *
 * Request (DescribeConfigsRequest.json; IncludeSynonyms spelled as in the current schema)
 *   Resources [                                        v0+
 *     ResourceType int8                                2 topic, 4 broker
 *     ResourceName string,
 *     ConfigurationKeys [string] | null]               null: every key
 *   IncludeSynonyms bool                               v1+ (default false)
 *   (IncludeDocumentation v3+: beyond Cairn's versions)
 * Response (DescribeConfigsResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   Results [                                          v0+
 *     ErrorCode int16, ErrorMessage string|null, ResourceType int8, ResourceName string,
 *     Configs [
 *       Name string, Value string|null, ReadOnly bool,
 *       IsDefault bool                                 v0 only (default false)
 *       ConfigSource int8                              v1+ (default -1)
 *       IsSensitive bool,
 *       Synonyms [Name string, Value string|null, Source int8]   v1+ (default empty)]]
 *   (ConfigType, Documentation v3+: beyond Cairn's versions)
 *
 * Versions: v1 adds IncludeSynonyms, ConfigSource and Synonyms and drops IsDefault (a default
 * is ConfigSource 5, DEFAULT_CONFIG); v2 throttles after the response. Handlers fill both
 * isDefault and configSource; each version writes the one it has. v4 is the first flexible
 * version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface DescribeConfigsRequestResource {
  resourceType: number;
  resourceName: string;
  /** null asks for every key. */
  configurationKeys: string[] | null;
}

export interface DescribeConfigsRequest {
  resources: DescribeConfigsRequestResource[];
  includeSynonyms: boolean;
}

export interface DescribeConfigsResponseSynonym {
  name: string;
  value: string | null;
  source: number;
}

export interface DescribeConfigsResponseConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: DescribeConfigsResponseSynonym[];
}

export interface DescribeConfigsResponseResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: DescribeConfigsResponseConfig[];
}

export interface DescribeConfigsResponse {
  throttleTimeMs: number;
  results: DescribeConfigsResponseResult[];
}

const minVersion = 0;
const maxVersion = 2;
const flexibleVersion = 4;
// The codecs below write no compact fields or tags: raising maxVersion to 4 means adding them.
assert(maxVersion < flexibleVersion, 'DescribeConfigs codecs are non-flexible');

const readString = (reader: Reader): string => reader.readString();

function readResource(reader: Reader): DescribeConfigsRequestResource {
  return {
    resourceType: reader.readInt8(),
    resourceName: reader.readString(),
    configurationKeys: reader.readNullableArray(readString),
  };
}

function readSynonym(reader: Reader): DescribeConfigsResponseSynonym {
  return {
    name: reader.readString(),
    value: reader.readNullableString(),
    source: reader.readInt8(),
  };
}

function readConfig(reader: Reader, version: number): DescribeConfigsResponseConfig {
  const name = reader.readString();
  const value = reader.readNullableString();
  const readOnly = reader.readBoolean();
  const isDefault = version === 0 ? reader.readBoolean() : false;
  const configSource = version >= 1 ? reader.readInt8() : -1;
  const isSensitive = reader.readBoolean();
  const synonyms = version >= 1 ? reader.readArray(readSynonym) : [];
  return { name, value, readOnly, isDefault, configSource, isSensitive, synonyms };
}

function readResult(reader: Reader, version: number): DescribeConfigsResponseResult {
  return {
    errorCode: reader.readInt16(),
    errorMessage: reader.readNullableString(),
    resourceType: reader.readInt8(),
    resourceName: reader.readString(),
    configs: reader.readArray((r) => readConfig(r, version)),
  };
}

function writeConfig(writer: Writer, version: number, config: DescribeConfigsResponseConfig) {
  writer.writeString(config.name);
  writer.writeNullableString(config.value);
  writer.writeBoolean(config.readOnly);
  if (version === 0) writer.writeBoolean(config.isDefault);
  if (version >= 1) writer.writeInt8(config.configSource);
  writer.writeBoolean(config.isSensitive);
  if (version >= 1) {
    writer.writeArray(config.synonyms, (w, synonym) => {
      w.writeString(synonym.name);
      w.writeNullableString(synonym.value);
      w.writeInt8(synonym.source);
    });
  }
}

export const describeConfigsApi: Api<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  name: 'DescribeConfigs',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    writer.writeArray(request.resources, (w, resource) => {
      w.writeInt8(resource.resourceType);
      w.writeString(resource.resourceName);
      w.writeNullableArray(resource.configurationKeys, (w2, key) => w2.writeString(key));
    });
    if (version >= 1) writer.writeBoolean(request.includeSynonyms);
  },

  decodeRequest(reader, version) {
    const resources = reader.readArray(readResource);
    const includeSynonyms = version >= 1 ? reader.readBoolean() : false;
    return { resources, includeSynonyms };
  },

  encodeResponse(writer, version, response) {
    writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.results, (w, result) => {
      w.writeInt16(result.errorCode);
      w.writeNullableString(result.errorMessage);
      w.writeInt8(result.resourceType);
      w.writeString(result.resourceName);
      w.writeArray(result.configs, (w2, config) => writeConfig(w2, version, config));
    });
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = reader.readInt32();
    const results = reader.readArray((r) => readResult(r, version));
    return { throttleTimeMs, results };
  },
};
