/**
 * Produce (key 0): append record batches to partitions. Hot path.
 *
 * Client maxima: kafkajs 2.2 sends up to v7, librdkafka 2.0 up to v7, kafka-python 2.0 up to v7
 * (it defines v8 but its sender stops at v7). Cairn implements v3-v7: v3 is the first version
 * that carries record batch v2 (magic 2), the only format Cairn stores. None is flexible.
 *
 * Request (ProduceRequest.json; names from the current schema)
 *   TransactionalId string|null                        v3+
 *   Acks int16                                         v0+  0 none, 1 leader, -1 all
 *   TimeoutMs int32                                    v0+
 *   TopicData [                                        v0+
 *     Name string,
 *     PartitionData [Index int32, Records bytes|null]]
 * Response (ProduceResponse.json)
 *   Responses [                                        v0+
 *     Name string,
 *     PartitionResponses [Index int32, ErrorCode int16, BaseOffset int64,
 *                         LogAppendTimeMs int64 (v2+, default -1),
 *                         LogStartOffset int64 (v5+, default -1)]]
 *   ThrottleTimeMs int32                               v1+
 *   (RecordErrors, ErrorMessage v8+: beyond Cairn's versions)
 *
 * Versions: v4 may answer KAFKA_STORAGE_ERROR; v5 adds LogStartOffset; v6 throttles after the
 * response; v7 allows zstd. v9 is the first flexible version.
 *
 * Records are not decoded here: each partition's `records` is a view into the request buffer
 * (no copy), validated and stored by the log as it came. A caller that keeps it past the
 * request's buffer must copy it. Encoding, batches of produceRecordsSharedBytesMin or more are
 * written by reference, not copied: the writer's `finishParts` gives the request as parts, and
 * the batch buffers must not change until the request is written out.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import { produceRecordsSharedBytesMin } from '../constants.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface ProduceRequestPartition {
  index: number;
  /** One or more whole record batches, as a view into the request; null if the client sent none. */
  records: Buffer | null;
}

export interface ProduceRequestTopic {
  name: string;
  partitionData: ProduceRequestPartition[];
}

export interface ProduceRequest {
  transactionalId: string | null;
  acks: number;
  timeoutMs: number;
  topicData: ProduceRequestTopic[];
}

export interface ProduceResponsePartition {
  index: number;
  errorCode: number;
  baseOffset: number;
  logAppendTimeMs: number;
  logStartOffset: number;
}

export interface ProduceResponseTopic {
  name: string;
  partitionResponses: ProduceResponsePartition[];
}

export interface ProduceResponse {
  responses: ProduceResponseTopic[];
  throttleTimeMs: number;
}

const minVersion = 3;
const maxVersion = 7;
const flexibleVersion = 9;
// The codecs below write no compact fields or tags: raising maxVersion to 9 means adding them.
assert(maxVersion < flexibleVersion, 'Produce codecs are non-flexible');

function readPartition(reader: Reader): ProduceRequestPartition {
  return { index: reader.readInt32(), records: reader.readNullableBytes() };
}

function readTopic(reader: Reader): ProduceRequestTopic {
  return { name: reader.readString(), partitionData: reader.readArray(readPartition) };
}

/** Large batches go by reference (Writer.writeRawShared): the request is sent as parts. */
function writePartition(writer: Writer, partition: ProduceRequestPartition): void {
  writer.writeInt32(partition.index);
  const records = partition.records;
  if (records === null) {
    writer.writeInt32(-1);
    return;
  }
  writer.writeInt32(records.length);
  writer.writeRawShared(records, produceRecordsSharedBytesMin);
}

function writeTopic(writer: Writer, topic: ProduceRequestTopic): void {
  writer.writeString(topic.name);
  writer.writeArray(topic.partitionData, writePartition);
}

function readPartitionResponse(reader: Reader, version: number): ProduceResponsePartition {
  return {
    index: reader.readInt32(),
    errorCode: reader.readInt16(),
    baseOffset: reader.readInt64(),
    logAppendTimeMs: reader.readInt64(),
    logStartOffset: version >= 5 ? reader.readInt64() : -1,
  };
}

function writePartitionResponse(
  writer: Writer,
  version: number,
  partition: ProduceResponsePartition,
): void {
  writer.writeInt32(partition.index);
  writer.writeInt16(partition.errorCode);
  writer.writeInt64(partition.baseOffset);
  writer.writeInt64(partition.logAppendTimeMs);
  if (version >= 5) writer.writeInt64(partition.logStartOffset);
}

export const produceApi: Api<ProduceRequest, ProduceResponse> = {
  apiKey: 0,
  name: 'Produce',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, _version, request) {
    writer.writeNullableString(request.transactionalId);
    writer.writeInt16(request.acks);
    writer.writeInt32(request.timeoutMs);
    writer.writeArray(request.topicData, writeTopic);
  },

  decodeRequest(reader, _version) {
    const transactionalId = reader.readNullableString();
    const acks = reader.readInt16();
    const timeoutMs = reader.readInt32();
    const topicData = reader.readArray(readTopic);
    return { transactionalId, acks, timeoutMs, topicData };
  },

  encodeResponse(writer, version, response) {
    writer.writeArray(response.responses, (w, topic) => {
      w.writeString(topic.name);
      w.writeArray(topic.partitionResponses, (w2, partition) =>
        writePartitionResponse(w2, version, partition),
      );
    });
    writer.writeInt32(response.throttleTimeMs);
  },

  decodeResponse(reader, version) {
    const responses = reader.readArray((r) => ({
      name: r.readString(),
      partitionResponses: r.readArray((r2) => readPartitionResponse(r2, version)),
    }));
    const throttleTimeMs = reader.readInt32();
    return { responses, throttleTimeMs };
  },
};
