/**
 * CreatePartitions (key 37): raise the partition count of existing topics.
 *
 * Client maxima: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v0, kafka-python 2.0 up to v1.
 * Cairn implements v0-v1, none flexible.
 *
 * Request (CreatePartitionsRequest.json)
 *   Topics [                                           v0+
 *     Name string,
 *     Count int32                                      the new partition count
 *     Assignments [BrokerIds [int32]] | null]          null: the broker places them
 *   TimeoutMs int32                                    v0+
 *   ValidateOnly bool                                  v0+
 * Response (CreatePartitionsResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   Results [Name string, ErrorCode int16, ErrorMessage string|null]   v0+
 *
 * Versions: v1 is v0 with throttling after the response. v2 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface CreatePartitionsRequestAssignment {
  brokerIds: number[];
}

export interface CreatePartitionsRequestTopic {
  name: string;
  count: number;
  assignments: CreatePartitionsRequestAssignment[] | null;
}

export interface CreatePartitionsRequest {
  topics: CreatePartitionsRequestTopic[];
  timeoutMs: number;
  validateOnly: boolean;
}

export interface CreatePartitionsResponseResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

export interface CreatePartitionsResponse {
  throttleTimeMs: number;
  results: CreatePartitionsResponseResult[];
}

const minVersion = 0;
const maxVersion = 1;
const flexibleVersion = 2;
// The codecs below write no compact fields or tags: raising maxVersion to 2 means adding them.
assert(maxVersion < flexibleVersion, 'CreatePartitions codecs are non-flexible');

const readInt32 = (reader: Reader): number => reader.readInt32();
const writeInt32 = (writer: Writer, value: number): void => writer.writeInt32(value);

function readTopic(reader: Reader): CreatePartitionsRequestTopic {
  return {
    name: reader.readString(),
    count: reader.readInt32(),
    assignments: reader.readNullableArray((r) => ({ brokerIds: r.readArray(readInt32) })),
  };
}

export const createPartitionsApi: Api<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  name: 'CreatePartitions',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, _version, request) {
    writer.writeArray(request.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeInt32(topic.count);
      w.writeNullableArray(topic.assignments, (w2, assignment) =>
        w2.writeArray(assignment.brokerIds, writeInt32),
      );
    });
    writer.writeInt32(request.timeoutMs);
    writer.writeBoolean(request.validateOnly);
  },

  decodeRequest(reader, _version) {
    const topics = reader.readArray(readTopic);
    const timeoutMs = reader.readInt32();
    const validateOnly = reader.readBoolean();
    return { topics, timeoutMs, validateOnly };
  },

  encodeResponse(writer, _version, response) {
    writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.results, (w, result) => {
      w.writeString(result.name);
      w.writeInt16(result.errorCode);
      w.writeNullableString(result.errorMessage);
    });
  },

  decodeResponse(reader, _version) {
    const throttleTimeMs = reader.readInt32();
    const results = reader.readArray((r) => ({
      name: r.readString(),
      errorCode: r.readInt16(),
      errorMessage: r.readNullableString(),
    }));
    return { throttleTimeMs, results };
  },
};
