/**
 * Metadata (key 3): brokers, topics and partition leaders.
 *
 * Client maxima: kafkajs 2.2 sends up to v6, librdkafka 2.0 up to v4, kafka-python 2.0 up to v5
 * (its admin client; the consumer sends v1). Cairn implements v0-v6, none flexible.
 *
 * Request (MetadataRequest.json)
 *   Topics [Name string] | null                        v0+ (nullable v1+)
 *   AllowAutoTopicCreation bool                        v4+ (default true)
 *   (IncludeClusterAuthorizedOperations v8-10, IncludeTopicAuthorizedOperations v8+,
 *    TopicId uuid v10+: beyond Cairn's versions)
 * Response (MetadataResponse.json)
 *   ThrottleTimeMs int32                               v3+
 *   Brokers [NodeId int32, Host string, Port int32, Rack string|null (v1+)]  v0+
 *   ClusterId string|null                              v2+ (default null)
 *   ControllerId int32                                 v1+ (default -1)
 *   Topics [                                           v0+
 *     ErrorCode int16, Name string, IsInternal bool (v1+, default false),
 *     Partitions [ErrorCode int16, PartitionIndex int32, LeaderId int32,
 *                 ReplicaNodes [int32], IsrNodes [int32], OfflineReplicas [int32] (v5+)]]
 *   (LeaderEpoch v7+, TopicAuthorizedOperations and ClusterAuthorizedOperations v8+:
 *    beyond Cairn's versions)
 *
 * Versions: v1 makes Topics nullable. In v0 an empty array means "all topics"; from v1 an empty
 * array means "no topics" and null means "all". The decoder turns a v0 empty array into null so
 * handlers see one meaning; the encoder writes null as an empty array in v0 (and asserts that a
 * v0 request never asks for no topics, which v0 cannot say). v2 adds ClusterId, v3
 * ThrottleTimeMs, v4 AllowAutoTopicCreation, v5 OfflineReplicas; v6 is v5 with throttling
 * after the response. v9 is the first flexible version.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';

export interface MetadataRequestTopic {
  name: string;
}

export interface MetadataRequest {
  /** null asks for every topic. */
  topics: MetadataRequestTopic[] | null;
  allowAutoTopicCreation: boolean;
}

export interface MetadataResponseBroker {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface MetadataResponsePartition {
  errorCode: number;
  partitionIndex: number;
  leaderId: number;
  replicaNodes: number[];
  isrNodes: number[];
  offlineReplicas: number[];
}

export interface MetadataResponseTopic {
  errorCode: number;
  name: string;
  isInternal: boolean;
  partitions: MetadataResponsePartition[];
}

export interface MetadataResponse {
  throttleTimeMs: number;
  brokers: MetadataResponseBroker[];
  clusterId: string | null;
  controllerId: number;
  topics: MetadataResponseTopic[];
}

const minVersion = 0;
const maxVersion = 6;
const flexibleVersion = 9;
// The codecs below write no compact fields or tags: raising maxVersion to 9 means adding them.
assert(maxVersion < flexibleVersion, 'Metadata codecs are non-flexible');

const readInt32 = (reader: Reader): number => reader.readInt32();
const writeInt32 = (writer: Writer, value: number): void => writer.writeInt32(value);

function readTopicName(reader: Reader): MetadataRequestTopic {
  return { name: reader.readString() };
}

function readBroker(reader: Reader, version: number): MetadataResponseBroker {
  return {
    nodeId: reader.readInt32(),
    host: reader.readString(),
    port: reader.readInt32(),
    rack: version >= 1 ? reader.readNullableString() : null,
  };
}

function readPartition(reader: Reader, version: number): MetadataResponsePartition {
  return {
    errorCode: reader.readInt16(),
    partitionIndex: reader.readInt32(),
    leaderId: reader.readInt32(),
    replicaNodes: reader.readArray(readInt32),
    isrNodes: reader.readArray(readInt32),
    offlineReplicas: version >= 5 ? reader.readArray(readInt32) : [],
  };
}

function readTopic(reader: Reader, version: number): MetadataResponseTopic {
  return {
    errorCode: reader.readInt16(),
    name: reader.readString(),
    isInternal: version >= 1 ? reader.readBoolean() : false,
    partitions: reader.readArray((r) => readPartition(r, version)),
  };
}

function writePartition(writer: Writer, version: number, partition: MetadataResponsePartition) {
  writer.writeInt16(partition.errorCode);
  writer.writeInt32(partition.partitionIndex);
  writer.writeInt32(partition.leaderId);
  writer.writeArray(partition.replicaNodes, writeInt32);
  writer.writeArray(partition.isrNodes, writeInt32);
  if (version >= 5) writer.writeArray(partition.offlineReplicas, writeInt32);
}

function writeTopic(writer: Writer, version: number, topic: MetadataResponseTopic): void {
  writer.writeInt16(topic.errorCode);
  writer.writeString(topic.name);
  if (version >= 1) writer.writeBoolean(topic.isInternal);
  writer.writeArray(topic.partitions, (w, partition) => writePartition(w, version, partition));
}

export const metadataApi: Api<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  name: 'Metadata',
  minVersion,
  maxVersion,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    if (version >= 1) {
      writer.writeNullableArray(request.topics, (w, topic) => w.writeString(topic.name));
    } else {
      assert(
        request.topics === null || request.topics.length > 0,
        'Metadata v0 cannot ask for no topics',
      );
      writer.writeArray(request.topics ?? [], (w, topic) => w.writeString(topic.name));
    }
    if (version >= 4) writer.writeBoolean(request.allowAutoTopicCreation);
  },

  decodeRequest(reader, version) {
    let topics =
      version >= 1 ? reader.readNullableArray(readTopicName) : reader.readArray(readTopicName);
    if (version === 0 && topics !== null && topics.length === 0) topics = null;
    const allowAutoTopicCreation = version >= 4 ? reader.readBoolean() : true;
    return { topics, allowAutoTopicCreation };
  },

  encodeResponse(writer, version, response) {
    if (version >= 3) writer.writeInt32(response.throttleTimeMs);
    writer.writeArray(response.brokers, (w, broker) => {
      w.writeInt32(broker.nodeId);
      w.writeString(broker.host);
      w.writeInt32(broker.port);
      if (version >= 1) w.writeNullableString(broker.rack);
    });
    if (version >= 2) writer.writeNullableString(response.clusterId);
    if (version >= 1) writer.writeInt32(response.controllerId);
    writer.writeArray(response.topics, (w, topic) => writeTopic(w, version, topic));
  },

  decodeResponse(reader, version) {
    const throttleTimeMs = version >= 3 ? reader.readInt32() : 0;
    const brokers = reader.readArray((r) => readBroker(r, version));
    const clusterId = version >= 2 ? reader.readNullableString() : null;
    const controllerId = version >= 1 ? reader.readInt32() : -1;
    const topics = reader.readArray((r) => readTopic(r, version));
    return { throttleTimeMs, brokers, clusterId, controllerId, topics };
  },
};
