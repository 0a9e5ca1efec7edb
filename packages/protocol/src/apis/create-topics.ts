/**
 * CreateTopics (key 19): create topics with a partition count, replication factor and configs.
 *
 * Client maxima: kafkajs 2.2 sends up to v3, librdkafka 2.0 up to v4, kafka-python 2.0 up to v3.
 * Cairn implements v0-v4, none flexible.
 *
 * Request (CreateTopicsRequest.json)
 *   Topics [                                           v0+
 *     Name string,
 *     NumPartitions int32                              -1: default, or manual assignments
 *     ReplicationFactor int16                          -1: default, or manual assignments
 *     Assignments [PartitionIndex int32, BrokerIds [int32]],
 *     Configs [Name string, Value string|null]]
 *   TimeoutMs int32                                    v0+ (default 60000)
 *   ValidateOnly bool                                  v1+ (default false)
 * Response (CreateTopicsResponse.json)
 *   ThrottleTimeMs int32                               v2+
 *   Topics [Name string, ErrorCode int16, ErrorMessage string|null (v1+, default null)]  v0+
 *   (v5+ adds TopicConfigErrorCode, NumPartitions, ReplicationFactor, Configs: beyond Cairn)
 *
 * Versions: v1 adds ValidateOnly and ErrorMessage; v2 adds ThrottleTimeMs; v3 throttles after
 * the response; v4 lets NumPartitions and ReplicationFactor be -1 without assignments (KIP-464).
 * v5 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface CreateTopicsRequestAssignment {
  partitionIndex: number;
  brokerIds: number[];
}

export interface CreateTopicsRequestConfig {
  name: string;
  value: string | null;
}

export interface CreateTopicsRequestTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: CreateTopicsRequestAssignment[];
  configs: CreateTopicsRequestConfig[];
}

export interface CreateTopicsRequest {
  topics: CreateTopicsRequestTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreateTopicsResponseTopic {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreateTopicsResponse {
  throttleTimeMs: number;
  topics: CreateTopicsResponseTopic[];
}

const minVersion = 0;
const maxVersion = 4;
const flexibleVersion = 5;
// The codecs below write no compact fields or tags: raising maxVersion to 5 means adding them.
assert(maxVersion < flexibleVersion, 'CreateTopics codecs are non-flexible');

const readInt32 = (reader: Reader): number => reader.readInt32();
const writeInt32 = (writer: Writer, value: number): void => writer.writeInt32(value);

function readTopic(reader: Reader): CreateTopicsRequestTopic {
  return {
    name: reader.readString(),
    numPartitions: reader.readInt32(),
    replicationFactor: reader.readInt16(),
    assignments: reader.readArray((r) => ({
      partitionIndex: r.readInt32(),
      brokerIds: r.readArray(readInt32),
    })),
    configs: reader.readArray((r) => ({ name: r.readString(), value: r.readNullableString() })),
  };
}

function writeTopic(writer: Writer, topic: CreateTopicsRequestTopic): void {
  writer.writeString(topic.name);
  writer.writeInt32(topic.numPartitions);
  writer.writeInt16(topic.replicationFactor);
  writer.writeArray(topic.assignments, (w, assignment) => {
    w.writeInt32(assignment.partitionIndex);
    w.writeArray(assignment.brokerIds, writeInt32);
  });
  writer.writeArray(topic.configs, (w, config) => {
    w.writeString(config.name);
    w.writeNullableString(config.value);
  });
}

export const createTopicsApi: Api<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  name: 'CreateTopics',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    writer.writeArray(request.topics, writeTopic);
    writer.writeInt32(request.timeoutMs);
    if (version >= 1) writer.writeBoolean(request.validateOnly);
  },

  decodeRequest(reader, version) {
    const topics = reader.readArray(readTopic);
    const timeoutMs = reader.readInt32();
    const validateOnly = version >= 1 ? reader.readBoolean() : false;
    return { topics, timeoutMs, validateOnly };
  },

  encodeResponse(writer, version, response) {
    if (version >= 2) writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeInt16(topic.errorCode);
      if (version >= 1) w.writeNullableString(topic.errorMessage);
    });
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = version >= 2 ? reader.readInt32() : 0;
    const topics = reader.readArray((r) => ({
      name: r.readString(),
      errorCode: r.readInt16(),
      errorMessage: version >= 1 ? r.readNullableString() : null,
    }));
    return { throttleTimeMs, topics };
  },
};
