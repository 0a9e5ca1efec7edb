/**
 * OffsetCommit (key 8): a group member commits the offsets it has consumed up to.
 *
 * Request (OffsetCommitRequest.json)
 *   GroupId                  string   v0+
 *   GenerationId             int32    v1+    default -1 (v0 commits outside any generation)
 *   MemberId                 string   v1+    default ''
 *   GroupInstanceId          string   v7+    nullable, default null (KIP-345)
 *   RetentionTimeMs          int64    v2-4   default -1: the broker's offsets.retention.minutes
 *   Topics [                          v0+
 *     Name                   string   v0+
 *     Partitions [                    v0+
 *       PartitionIndex       int32    v0+
 *       CommittedOffset      int64    v0+
 *       CommittedLeaderEpoch int32    v6+    default -1
 *       CommitTimestamp      int64    v1     default -1 (only v1 carries it)
 *       CommittedMetadata    string   v0+    nullable
 *     ]
 *   ]
 * Response (OffsetCommitResponse.json)
 *   ThrottleTimeMs           int32    v3+
 *   Topics [                          v0+
 *     Name                   string   v0+
 *     Partitions [                    v0+
 *       PartitionIndex       int32    v0+
 *       ErrorCode            int16    v0+
 *     ]
 *   ]
 *
 * Versions: v1 adds the generation, the member and a per-partition CommitTimestamp; v2 adds
 * RetentionTimeMs and drops CommitTimestamp; v3 adds ThrottleTimeMs; v4 answers before
 * throttling; v5 drops RetentionTimeMs (retention is the broker's alone); v6 adds
 * CommittedLeaderEpoch; v7 adds GroupInstanceId; v8 is the first flexible version; v9 adds
 * topic ids (KIP-848).
 *
 * Clients: kafkajs 2.2 sends up to v5, librdkafka 2.0 up to v7, kafka-python 2.0 up to v3.
 * Cairn implements v0-v7, none of them flexible.
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

export interface OffsetCommitRequestPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  /** Only v1 carries it; -1 otherwise. */
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface OffsetCommitRequestTopic {
  name: string;
  partitions: OffsetCommitRequestPartition[];
}

export interface OffsetCommitRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  /** Only v2-v4 carry it; -1 (the broker's default retention) otherwise. */
  retentionTimeMs: number;
  topics: OffsetCommitRequestTopic[];
}

export interface OffsetCommitResponsePartition {
  partitionIndex: number;
  errorCode: number;
}

export interface OffsetCommitResponseTopic {
  name: string;
  partitions: OffsetCommitResponsePartition[];
}

export interface OffsetCommitResponse {
  throttleTimeMs: number;
  topics: OffsetCommitResponseTopic[];
}

const flexibleVersion = 8;

function readRequestPartition(
  reader: Reader,
  version: number,
  flexible: boolean,
): OffsetCommitRequestPartition {
  const partitionIndex = reader.readInt32();
  const committedOffset = reader.readInt64();
  const committedLeaderEpoch = version >= 6 ? reader.readInt32() : -1;
  const commitTimestamp = version === 1 ? reader.readInt64() : -1;
  const committedMetadata = readNullableStringField(reader, flexible);
  readTagsField(reader, flexible);
  return {
    partitionIndex,
    committedOffset,
    committedLeaderEpoch,
    commitTimestamp,
    committedMetadata,
  };
}

function readRequestTopic(
  reader: Reader,
  version: number,
  flexible: boolean,
): OffsetCommitRequestTopic {
  const name = readStringField(reader, flexible);
  const partitions = readArrayField(reader, flexible, (r) =>
    readRequestPartition(r, version, flexible),
  );
  readTagsField(reader, flexible);
  return { name, partitions };
}

function readResponseTopic(reader: Reader, flexible: boolean): OffsetCommitResponseTopic {
  const name = readStringField(reader, flexible);
  const partitions = readArrayField(reader, flexible, (r) => {
    const partition = { partitionIndex: r.readInt32(), errorCode: r.readInt16() };
    readTagsField(r, flexible);
    return partition;
  });
  readTagsField(reader, flexible);
  return { name, partitions };
}

export const offsetCommitApi: Api<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  name: 'OffsetCommit',
  minVersion: 0,
  maxVersion: 7,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    if (version >= 1) {
      writer.writeInt32(request.generationId);
      writeStringField(writer, flexible, request.memberId);
    }
    if (version >= 7) writeNullableStringField(writer, flexible, request.groupInstanceId);
    if (version >= 2 && version <= 4) writer.writeInt64(request.retentionTimeMs);
    writeArrayField(writer, flexible, request.topics, (w, topic) => {
      writeStringField(w, flexible, topic.name);
      writeArrayField(w, flexible, topic.partitions, (pw, partition) => {
        pw.writeInt32(partition.partitionIndex);
        pw.writeInt64(partition.committedOffset);
        if (version >= 6) pw.writeInt32(partition.committedLeaderEpoch);
        if (version === 1) pw.writeInt64(partition.commitTimestamp);
        writeNullableStringField(pw, flexible, partition.committedMetadata);
        writeTagsField(pw, flexible);
      });
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    const generationId = version >= 1 ? reader.readInt32() : -1;
    const memberId = version >= 1 ? readStringField(reader, flexible) : '';
    const groupInstanceId = version >= 7 ? readNullableStringField(reader, flexible) : null;
    const retentionTimeMs = version >= 2 && version <= 4 ? reader.readInt64() : -1;
    const topics = readArrayField(reader, flexible, (r) => readRequestTopic(r, version, flexible));
    readTagsField(reader, flexible);
    return { groupId, generationId, memberId, groupInstanceId, retentionTimeMs, topics };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 3) writer.writeInt32(response.throttleTimeMs);
    writeArrayField(writer, flexible, response.topics, (w, topic) => {
      writeStringField(w, flexible, topic.name);
      writeArrayField(w, flexible, topic.partitions, (pw, partition) => {
        pw.writeInt32(partition.partitionIndex);
        pw.writeInt16(partition.errorCode);
        writeTagsField(pw, flexible);
      });
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 3 ? reader.readInt32() : 0;
    const topics = readArrayField(reader, flexible, (r) => readResponseTopic(r, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, topics };
  },
};
