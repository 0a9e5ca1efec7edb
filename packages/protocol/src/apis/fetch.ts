/**
 * Fetch (key 1): read record batches from partitions, by offset. Hot path.
 *
 * Client maxima: kafkajs 2.2 sends up to v11, librdkafka 2.0 up to v11, kafka-python 2.0 up to
 * v4. Cairn implements v4-v11 (v4 is the first version whose clients must read record batch v2,
 * the only format Cairn stores). None is flexible: v12 is, and no client above sends it.
 *
 * Request (FetchRequest.json; names from the current schema)
 *   ReplicaId int32                                    v0+  -1 for a consumer
 *   MaxWaitMs int32                                    v0+
 *   MinBytes int32                                     v0+
 *   MaxBytes int32                                     v3+  (default 0x7fffffff)
 *   IsolationLevel int8                                v4+  0 read uncommitted, 1 committed
 *   SessionId int32                                    v7+  (default 0)
 *   SessionEpoch int32                                 v7+  (default -1)
 *   Topics [                                           v0+
 *     Topic string,
 *     Partitions [Partition int32, CurrentLeaderEpoch int32 (v9+, default -1),
 *                 FetchOffset int64, LogStartOffset int64 (v5+, default -1),
 *                 PartitionMaxBytes int32]]
 *   ForgottenTopicsData [Topic string, Partitions [int32]]   v7+ (default empty)
 *   RackId string                                      v11+ (default "")
 * Response (FetchResponse.json)
 *   ThrottleTimeMs int32                               v1+
 *   ErrorCode int16                                    v7+
 *   SessionId int32                                    v7+  (default 0)
 *   Responses [                                        v0+
 *     Topic string,
 *     Partitions [
 *       PartitionIndex int32, ErrorCode int16, HighWatermark int64,
 *       LastStableOffset int64                         v4+  (default -1)
 *       LogStartOffset int64                           v5+  (default -1)
 *       AbortedTransactions [ProducerId int64, FirstOffset int64] | null   v4+
 *       PreferredReadReplica int32                     v11+ (default -1)
 *       Records records|null                           v0+  whole batches, int32 length]]
 *
 * Versions: v5 adds LogStartOffset; v6 may answer KAFKA_STORAGE_ERROR; v7 adds fetch sessions
 * (KIP-227; Cairn decodes them and answers sessionless, SessionId 0); v8 throttles after the
 * response; v9 adds CurrentLeaderEpoch; v10 allows zstd; v11 adds RackId and
 * PreferredReadReplica (KIP-392).
 *
 * The response's records are whole batches read from a segment and written as they are: the
 * encoder does no work per record and does not copy them (Writer.writeRawShared: they become
 * their own part of the socket write), and `fetchResponseSizeBytes` gives the encoded size
 * without encoding so the writer grows once.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface FetchRequestPartition {
  partition: number;
  currentLeaderEpoch: number;
  fetchOffset: number;
  logStartOffset: number;
  partitionMaxBytes: number;
}

export interface FetchRequestTopic {
  topic: string;
  partitions: FetchRequestPartition[];
}

export interface FetchRequestForgottenTopic {
  topic: string;
  partitions: number[];
}

export interface FetchRequest {
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolationLevel: number;
  sessionId: number;
  sessionEpoch: number;
  topics: FetchRequestTopic[];
  forgottenTopicsData: FetchRequestForgottenTopic[];
  rackId: string;
}

export interface FetchResponseAbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface FetchResponsePartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: number;
  lastStableOffset: number;
  logStartOffset: number;
  abortedTransactions: FetchResponseAbortedTransaction[] | null;
  preferredReadReplica: number;
  /** Whole record batches, back to back, as stored; null or empty when there is nothing. */
  records: Buffer | null;
}

export interface FetchResponseTopic {
  topic: string;
  partitions: FetchResponsePartition[];
}

export interface FetchResponse {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: FetchResponseTopic[];
}

const minVersion = 4;
const maxVersion = 11;
const flexibleVersion = 12;
// The codecs below write no compact fields or tags: raising maxVersion to 12 means adding them.
assert(maxVersion < flexibleVersion, 'Fetch codecs are non-flexible');

/** Encoded sizes of the fixed-width fields, for fetchResponseSizeBytes. */
const INT16_BYTES = 2;
const INT32_BYTES = 4;
const INT64_BYTES = 8;
const ABORTED_TRANSACTION_BYTES = INT64_BYTES + INT64_BYTES;

const readInt32 = (reader: Reader): number => reader.readInt32();
const writeInt32 = (writer: Writer, value: number): void => writer.writeInt32(value);

function readRequestPartition(reader: Reader, version: number): FetchRequestPartition {
  const partition = reader.readInt32();
  const currentLeaderEpoch = version >= 9 ? reader.readInt32() : -1;
  const fetchOffset = reader.readInt64();
  const logStartOffset = version >= 5 ? reader.readInt64() : -1;
  const partitionMaxBytes = reader.readInt32();
  return { partition, currentLeaderEpoch, fetchOffset, logStartOffset, partitionMaxBytes };
}

function readRequestTopic(reader: Reader, version: number): FetchRequestTopic {
  return {
    topic: reader.readString(),
    partitions: reader.readArray((r) => readRequestPartition(r, version)),
  };
}

function readForgottenTopic(reader: Reader): FetchRequestForgottenTopic {
  return { topic: reader.readString(), partitions: reader.readArray(readInt32) };
}

function writeRequestPartition(writer: Writer, version: number, partition: FetchRequestPartition) {
  writer.writeInt32(partition.partition);
  if (version >= 9) writer.writeInt32(partition.currentLeaderEpoch);
  writer.writeInt64(partition.fetchOffset);
  if (version >= 5) writer.writeInt64(partition.logStartOffset);
  writer.writeInt32(partition.partitionMaxBytes);
}

function readAbortedTransaction(reader: Reader): FetchResponseAbortedTransaction {
  return { producerId: reader.readInt64(), firstOffset: reader.readInt64() };
}

function readResponsePartition(reader: Reader, version: number): FetchResponsePartition {
  const partitionIndex = reader.readInt32();
  const errorCode = reader.readInt16();
  const highWatermark = reader.readInt64();
  const lastStableOffset = reader.readInt64();
  const logStartOffset = version >= 5 ? reader.readInt64() : -1;
  const abortedTransactions = reader.readNullableArray(readAbortedTransaction);
  const preferredReadReplica = version >= 11 ? reader.readInt32() : -1;
  const records = reader.readNullableBytes();
  return {
    partitionIndex,
    errorCode,
    highWatermark,
    lastStableOffset,
    logStartOffset,
    abortedTransactions,
    preferredReadReplica,
    records,
  };
}

/** One partition of the response; the records are written whole, never parsed. */
function writeResponsePartition(
  writer: Writer,
  version: number,
  partition: FetchResponsePartition,
) {
  writer.writeInt32(partition.partitionIndex);
  writer.writeInt16(partition.errorCode);
  writer.writeInt64(partition.highWatermark);
  writer.writeInt64(partition.lastStableOffset);
  if (version >= 5) writer.writeInt64(partition.logStartOffset);
  const aborted = partition.abortedTransactions;
  if (aborted === null) {
    writer.writeInt32(-1);
  } else {
    writer.writeInt32(aborted.length);
    for (const transaction of aborted) {
      writer.writeInt64(transaction.producerId);
      writer.writeInt64(transaction.firstOffset);
    }
  }
  if (version >= 11) writer.writeInt32(partition.preferredReadReplica);
  const records = partition.records;
  if (records === null) {
    writer.writeInt32(-1);
  } else {
    writer.writeInt32(records.length);
    // By reference: the batches go to the socket as their own part, never copied here.
    writer.writeRawShared(records);
  }
}

/**
 * The size in bytes of `response` encoded at `version`, without encoding it: one pass over the
 * topics and partitions, no record is looked at. The encoder uses it (`withRecords` false: the
 * fields alone) to grow its writer once.
 */
export function fetchResponseSizeBytes(
  version: number,
  response: FetchResponse,
  withRecords = true,
): number {
  let sizeBytes = INT32_BYTES; // ThrottleTimeMs
  if (version >= 7) sizeBytes += INT16_BYTES + INT32_BYTES; // ErrorCode, SessionId
  sizeBytes += INT32_BYTES; // Responses count
  let partitionFixedBytes = INT32_BYTES + INT16_BYTES + INT64_BYTES + INT64_BYTES;
  if (version >= 5) partitionFixedBytes += INT64_BYTES; // LogStartOffset
  partitionFixedBytes += INT32_BYTES; // AbortedTransactions count
  if (version >= 11) partitionFixedBytes += INT32_BYTES; // PreferredReadReplica
  partitionFixedBytes += INT32_BYTES; // Records length
  for (const topic of response.responses) {
    sizeBytes += INT16_BYTES + Buffer.byteLength(topic.topic) + INT32_BYTES;
    for (const partition of topic.partitions) {
      sizeBytes += partitionFixedBytes;
      const aborted = partition.abortedTransactions;
      if (aborted !== null) sizeBytes += aborted.length * ABORTED_TRANSACTION_BYTES;
      if (withRecords && partition.records !== null) sizeBytes += partition.records.length;
    }
  }
  return sizeBytes;
}

export const fetchApi: Api<FetchRequest, FetchResponse> = {
  apiKey: 1,
  name: 'Fetch',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    writer.writeInt32(request.replicaId);
    writer.writeInt32(request.maxWaitMs);
    writer.writeInt32(request.minBytes);
    writer.writeInt32(request.maxBytes);
    writer.writeInt8(request.isolationLevel);
    if (version >= 7) {
      writer.writeInt32(request.sessionId);
      writer.writeInt32(request.sessionEpoch);
    }
    writer.writeArray(request.topics, (w, topic) => {
      w.writeString(topic.topic);
      w.writeArray(topic.partitions, (w2, partition) =>
        writeRequestPartition(w2, version, partition),
      );
    });
    if (version >= 7) {
      writer.writeArray(request.forgottenTopicsData, (w, forgotten) => {
        w.writeString(forgotten.topic);
        w.writeArray(forgotten.partitions, writeInt32);
      });
    }
    if (version >= 11) writer.writeString(request.rackId);
  },

  decodeRequest(reader, version) {
    const replicaId = reader.readInt32();
    const maxWaitMs = reader.readInt32();
    const minBytes = reader.readInt32();
    const maxBytes = reader.readInt32(); // v3+, so in every version Cairn supports
    const isolationLevel = reader.readInt8(); // v4+, likewise
    const sessionId = version >= 7 ? reader.readInt32() : 0;
    const sessionEpoch = version >= 7 ? reader.readInt32() : -1;
    const topics = reader.readArray((r) => readRequestTopic(r, version));
    const forgottenTopicsData = version >= 7 ? reader.readArray(readForgottenTopic) : [];
    const rackId = version >= 11 ? reader.readString() : '';
    return {
      replicaId,
      maxWaitMs,
      minBytes,
      maxBytes,
      isolationLevel,
      sessionId,
      sessionEpoch,
      topics,
      forgottenTopicsData,
      rackId,
    };
  },

  encodeResponse(writer, version, response) {
    // Grown once for the fields; large record sets are spliced in by reference, not copied.
    writer.ensure(fetchResponseSizeBytes(version, response, false));
    writer.writeInt32(response.throttleTimeMs);
    if (version >= 7) {
      writer.writeInt16(response.errorCode);
      writer.writeInt32(response.sessionId);
    }
    writer.writeInt32(response.responses.length);
    for (const topic of response.responses) {
      writer.writeString(topic.topic);
      writer.writeInt32(topic.partitions.length);
      for (const partition of topic.partitions) writeResponsePartition(writer, version, partition);
    }
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = reader.readInt32();
    const errorCode = version >= 7 ? reader.readInt16() : 0;
    const sessionId = version >= 7 ? reader.readInt32() : 0;
    const responses = reader.readArray((r) => ({
      topic: r.readString(),
      partitions: r.readArray((r2) => readResponsePartition(r2, version)),
    }));
    return { throttleTimeMs, errorCode, sessionId, responses };
  },
};
