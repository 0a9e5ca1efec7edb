/**
 * DeleteTopics (key 20): delete topics by name.
 *
 * Client maxima: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v1, kafka-python 2.0 up to v3.
 * Cairn implements v0-v3, none flexible.
 *
 * Request (DeleteTopicsRequest.json)
 *   TopicNames [string]                                v0-5
 *   TimeoutMs int32                                    v0+
 *   (Topics [Name, TopicId] v6+: beyond Cairn's versions)
 * Response (DeleteTopicsResponse.json)
 *   ThrottleTimeMs int32                               v1+
 *   Responses [Name string, ErrorCode int16]           v0+
 *   (ErrorMessage v5+, TopicId v6+: beyond Cairn's versions)
 *
 * Versions: the requests v0-v3 are the same. v1 adds ThrottleTimeMs; v2 throttles after the
 * response; v3 may answer TOPIC_DELETION_DISABLED. v4 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';

export interface DeleteTopicsRequest {
  topicNames: string[];
  timeoutMs: number;
}

export interface DeleteTopicsResponseTopic {
  name: string;
  errorCode: number;
}

export interface DeleteTopicsResponse {
  throttleTimeMs: number;
  responses: DeleteTopicsResponseTopic[];
}

const minVersion = 0;
const maxVersion = 3;
const flexibleVersion = 4;
// The codecs below write no compact fields or tags: raising maxVersion to 4 means adding them.
assert(maxVersion < flexibleVersion, 'DeleteTopics codecs are non-flexible');

const readString = (reader: Reader): string => reader.readString();

export const deleteTopicsApi: Api<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  name: 'DeleteTopics',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, _version, request) {
    writer.writeArray(request.topicNames, (w, name) => w.writeString(name));
    writer.writeInt32(request.timeoutMs);
  },

  decodeRequest(reader, _version) {
    const topicNames = reader.readArray(readString);
    const timeoutMs = reader.readInt32();
    return { topicNames, timeoutMs };
  },

  encodeResponse(writer, version, response) {
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.responses, (w, topic) => {
      w.writeString(topic.name);
      w.writeInt16(topic.errorCode);
    });
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const responses = reader.readArray((r) => ({ name: r.readString(), errorCode: r.readInt16() }));
    return { throttleTimeMs, responses };
  },
};
