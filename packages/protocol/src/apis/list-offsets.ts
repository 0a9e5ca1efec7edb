/**
 * ListOffsets (key 2): the offset for a timestamp, or the earliest (-2) or latest (-1) offset.
 *
 * Client maxima: kafkajs 2.2 sends up to v3, librdkafka 2.0 up to v2, kafka-python 2.0 up to v1
 * (it defines v5 but its fetcher sends v0-v1). Cairn implements v1-v3, none flexible.
 *
 * Request (ListOffsetsRequest.json)
 *   ReplicaId int32                                    v0+  -1 for a consumer
 *   IsolationLevel int8                                v2+  (default 0, read uncommitted)
 *   Topics [                                           v0+
 *     Name string,
 *     Partitions [PartitionIndex int32, Timestamp int64]]
 *   (MaxNumOffsets v0 only; CurrentLeaderEpoch v4+: outside Cairn's versions)
 * Response (ListOffsetsResponse.json)
 *   ThrottleTimeMs int32                               v2+
 *   Topics [                                           v0+
 *     Name string,
 *     Partitions [PartitionIndex int32, ErrorCode int16, Timestamp int64 (v1+, default -1),
 *                 Offset int64 (v1+, default -1)]]
 *   (OldStyleOffsets v0 only; LeaderEpoch v4+: outside Cairn's versions)
 *
 * Versions: v1 returns a single offset and its timestamp; v2 adds IsolationLevel and
 * ThrottleTimeMs; v3 throttles after the response. v6 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface ListOffsetsRequestPartition {
  partitionIndex: number;
  /** A time in ms, or -1 for the latest offset, -2 for the earliest. */
  timestamp: number;
}

export interface ListOffsetsRequestTopic {
  name: string;
  partitions: ListOffsetsRequestPartition[];
}

export interface ListOffsetsRequest {
  replicaId: number;
  isolationLevel: number;
  topics: ListOffsetsRequestTopic[];
}

export interface ListOffsetsResponsePartition {
  partitionIndex: number;
  errorCode: number;
  timestamp: number;
  offset: number;
}

export interface ListOffsetsResponseTopic {
  name: string;
  partitions: ListOffsetsResponsePartition[];
}

export interface ListOffsetsResponse {
  throttleTimeMs: number;
  topics: ListOffsetsResponseTopic[];
}

const minVersion = 1;
const maxVersion = 3;
const flexibleVersion = 6;
// The codecs below write no compact fields or tags: raising maxVersion to 6 means adding them.
assert(maxVersion < flexibleVersion, 'ListOffsets codecs are non-flexible');

function readRequestTopic(reader: Reader): ListOffsetsRequestTopic {
  return {
    name: reader.readString(),
    partitions: reader.readArray((r) => ({
      partitionIndex: r.readInt32(),
      timestamp: r.readInt64(),
    })),
  };
}

function readResponseTopic(reader: Reader): ListOffsetsResponseTopic {
  return {
    name: reader.readString(),
    partitions: reader.readArray((r) => ({
      partitionIndex: r.readInt32(),
      errorCode: r.readInt16(),
      timestamp: r.readInt64(),
      offset: r.readInt64(),
    })),
  };
}

function writeResponsePartition(writer: Writer, partition: ListOffsetsResponsePartition): void {
  writer.writeInt32(partition.partitionIndex);
  writer.writeInt16(partition.errorCode);
  writer.writeInt64(partition.timestamp);
  writer.writeInt64(partition.offset);
}

export const listOffsetsApi: Api<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  name: 'ListOffsets',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    writer.writeInt32(request.replicaId);
    if (version >= 2) writer.writeInt8(request.isolationLevel);
    writer.writeArray(request.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeArray(topic.partitions, (w2, partition) => {
        w2.writeInt32(partition.partitionIndex);
        w2.writeInt64(partition.timestamp);
      });
    });
  },

  decodeRequest(reader, version) {
    const replicaId = reader.readInt32();
    const isolationLevel = version >= 2 ? reader.readInt8() : 0;
    const topics = reader.readArray(readRequestTopic);
    return { replicaId, isolationLevel, topics };
  },

  encodeResponse(writer, version, response) {
    if (version >= 2) writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.topics, (w, topic) => {
      w.writeString(topic.name);
      w.writeArray(topic.partitions, writeResponsePartition);
    });
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = version >= 2 ? reader.readInt32() : 0;
    const topics = reader.readArray(readResponseTopic);
    return { throttleTimeMs, topics };
  },
};
