/**
 * DeleteRecords (key 21): advance partitions' log start offsets, deleting the records before.
 *
 * Client maxima: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v1, kafka-python 2.0 does not
 * send it. Cairn implements v0-v1, none flexible.
 *
 * Request (DeleteRecordsRequest.json)
 *   Topics [                                           v0+
 *     Name string,
 *     Partitions [PartitionIndex int32, Offset int64]] -1 offset: up to the high watermark
 *   TimeoutMs int32                                    v0+
 * Response (DeleteRecordsResponse.json)
 *   ThrottleTimeMs int32                               v0+
 *   Topics [                                           v0+
 *     Name string,
 *     Partitions [PartitionIndex int32, LowWatermark int64, ErrorCode int16]]
 *
 * Versions: v1 is v0 with throttling after the response. v2 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';

export interface DeleteRecordsRequestPartition {
  partitionIndex: number;
  offset: number;
}

export interface DeleteRecordsRequestTopic {
  name: string;
  partitions: DeleteRecordsRequestPartition[];
}

export interface DeleteRecordsRequest {
  topics: DeleteRecordsRequestTopic[];
  timeoutMs: number;
}

export interface DeleteRecordsResponsePartition {
  partitionIndex: number;
  lowWatermark: number;
  errorCode: number;
}

export interface DeleteRecordsResponseTopic {
  name: string;
  partitions: DeleteRecordsResponsePartition[];
}

export interface DeleteRecordsResponse {
  throttleTimeMs: number;
  topics: DeleteRecordsResponseTopic[];
}

const minVersion = 0;
const maxVersion = 1;
const flexibleVersion = 2;
// The codecs below write no compact fields or tags: raising maxVersion to 2 means adding them.
assert(maxVersion < flexibleVersion, 'DeleteRecords codecs are non-flexible');

function readRequestTopic(reader: Reader): DeleteRecordsRequestTopic {
  return {
    name: reader.readString(),
    partitions: reader.readArray((r) => ({ partitionIndex: r.readInt32(), offset: r.readInt64() })),
  };
}

function readResponseTopic(reader: Reader): DeleteRecordsResponseTopic {
  return {
    name: reader.readString(),
    partitions: reader.readArray((r) => ({
      partitionIndex: r.readInt32(),
      lowWatermark: r.readInt64(),
      errorCode: r.readInt16(),
    })),
  };
}

export const deleteRecordsApi: Api<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  name: 'DeleteRecords',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, _version, request) {
    writer.writeArray(request.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeArray(topic.partitions, (w2, partition) => {
        w2.writeInt32(partition.partitionIndex);
        w2.writeInt64(partition.offset);
      });
    });
    writer.writeInt32(request.timeoutMs);
  },

  decodeRequest(reader, _version) {
    const topics = reader.readArray(readRequestTopic);
    const timeoutMs = reader.readInt32();
    return { topics, timeoutMs };
  },

  encodeResponse(writer, _version, response) {
    writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeArray(topic.partitions, (w2, partition) => {
        w2.writeInt32(partition.partitionIndex);
        w2.writeInt64(partition.lowWatermark);
        w2.writeInt16(partition.errorCode);
      });
    });
  },

  decodeResponse(reader, _version) {
    const throttleTimeMs = reader.readInt32();
    const topics = reader.readArray(readResponseTopic);
    return { throttleTimeMs, topics };
  },
};
