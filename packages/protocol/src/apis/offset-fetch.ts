/**
 * OffsetFetch (key 9): a group's committed offsets, for given partitions or (v2+) all of them.
 *
 * Request (OffsetFetchRequest.json)
 *   GroupId                  string   v0-7
 *   Topics [                          v0-7   nullable from v2: null asks for every topic
 *     Name                   string   v0-7
 *     PartitionIndexes       []int32  v0-7
 *   ]
 *   Groups [...]                      v8+    batch of groups (KIP-709; not implemented)
 *   RequireStable            bool     v7+    default false (KIP-447)
 * Response (OffsetFetchResponse.json)
 *   ThrottleTimeMs           int32    v3+
 *   Topics [                          v0-7
 *     Name                   string   v0-7
 *     Partitions [                    v0-7
 *       PartitionIndex       int32    v0-7
 *       CommittedOffset      int64    v0-7   -1 when nothing is committed
 *       CommittedLeaderEpoch int32    v5-7   default -1
 *       Metadata             string   v0-7   nullable
 *       ErrorCode            int16    v0-7
 *     ]
 *   ]
 *   ErrorCode                int16    v2-7   default 0 (group or coordinator errors)
 *   Groups [...]                      v8+    (not implemented)
 *
 * Versions: v1 reads offsets from Kafka rather than ZooKeeper; v2 allows null Topics and adds
 * the top-level ErrorCode; v3 adds ThrottleTimeMs; v4 answers before throttling; v5 adds
 * CommittedLeaderEpoch; v6 is the first flexible version; v7 adds RequireStable; v8 batches
 * groups; later versions add KIP-848 fields.
 *
 * Clients: kafkajs 2.2 sends up to v4, librdkafka 2.0 up to v7 (flexible from v6),
 * kafka-python 2.0 up to v3. No client we serve sends the batched v8, so Cairn implements
 * v0-v7.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import {
  readArrayField,
  readNullableArrayField,
  readNullableStringField,
  readStringField,
  readTagsField,
  writeArrayField,
  writeNullableArrayField,
  writeNullableStringField,
  writeStringField,
  writeTagsField,
} from '../fields.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface OffsetFetchRequestTopic {
  name: string;
  partitionIndexes: number[];
}

export interface OffsetFetchRequest {
  groupId: string;
  /** null asks for every topic the group has committed; v2+ only. */
  topics: OffsetFetchRequestTopic[] | null;
  requireStable: boolean;
}

export interface OffsetFetchResponsePartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface OffsetFetchResponseTopic {
  name: string;
  partitions: OffsetFetchResponsePartition[];
}

export interface OffsetFetchResponse {
  throttleTimeMs: number;
  topics: OffsetFetchResponseTopic[];
  /** Group-level error; before v2 the broker can only report it per partition. */
  errorCode: number;
}

const flexibleVersion = 6;

function readRequestTopic(reader: Reader, flexible: boolean): OffsetFetchRequestTopic {
  const name = readStringField(reader, flexible);
  const partitionIndexes = readArrayField(reader, flexible, (r) => r.readInt32());
  readTagsField(reader, flexible);
  return { name, partitionIndexes };
}

function writeRequestTopic(writer: Writer, flexible: boolean, topic: OffsetFetchRequestTopic) {
  writeStringField(writer, flexible, topic.name);
  writeArrayField(writer, flexible, topic.partitionIndexes, (w, index) => w.writeInt32(index));
  writeTagsField(writer, flexible);
}

function readResponsePartition(
  reader: Reader,
  version: number,
  flexible: boolean,
): OffsetFetchResponsePartition {
  const partitionIndex = reader.readInt32();
  const committedOffset = reader.readInt64();
  const committedLeaderEpoch = version >= 5 ? reader.readInt32() : -1;
  const metadata = readNullableStringField(reader, flexible);
  const errorCode = reader.readInt16();
  readTagsField(reader, flexible);
  return { partitionIndex, committedOffset, committedLeaderEpoch, metadata, errorCode };
}

function readResponseTopic(
  reader: Reader,
  version: number,
  flexible: boolean,
): OffsetFetchResponseTopic {
  const name = readStringField(reader, flexible);
  const partitions = readArrayField(reader, flexible, (r) =>
    readResponsePartition(r, version, flexible),
  );
  readTagsField(reader, flexible);
  return { name, partitions };
}

export const offsetFetchApi: Api<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  name: 'OffsetFetch',
  minVersion: 0,
  maxVersion: 7,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    const writeTopic = (w: Writer, topic: OffsetFetchRequestTopic) =>
      writeRequestTopic(w, flexible, topic);
    if (version >= 2) {
      writeNullableArrayField(writer, flexible, request.topics, writeTopic);
    } else {
      assert(request.topics !== null, `OffsetFetch v${version} cannot ask for all topics`);
      writeArrayField(writer, flexible, request.topics, writeTopic);
    }
    if (version >= 7) writer.writeBoolean(request.requireStable);
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    const readTopic = (r: Reader) => readRequestTopic(r, flexible);
    const topics =
      version >= 2
        ? readNullableArrayField(reader, flexible, readTopic)
        : readArrayField(reader, flexible, readTopic);
    const requireStable = version >= 7 ? reader.readBoolean() : false;
    readTagsField(reader, flexible);
    return { groupId, topics, requireStable };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 3) writer.writeInt32(response.throttleTimeMs);
    writeArrayField(writer, flexible, response.topics, (w, topic) => {
      writeStringField(w, flexible, topic.name);
      writeArrayField(w, flexible, topic.partitions, (pw, partition) => {
        pw.writeInt32(partition.partitionIndex);
        pw.writeInt64(partition.committedOffset);
        if (version >= 5) pw.writeInt32(partition.committedLeaderEpoch);
        writeNullableStringField(pw, flexible, partition.metadata);
        pw.writeInt16(partition.errorCode);
        writeTagsField(pw, flexible);
      });
      writeTagsField(w, flexible);
    });
    if (version >= 2) writer.writeInt16(response.errorCode);
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 3 ? reader.readInt32() : 0;
    const topics = readArrayField(reader, flexible, (r) => readResponseTopic(r, version, flexible));
    const errorCode = version >= 2 ? reader.readInt16() : 0;
    readTagsField(reader, flexible);
    return { throttleTimeMs, topics, errorCode };
  },
};
