/**
 * Heartbeat (key 12): a member tells the coordinator it is alive; the answer's error code says
 * whether a rebalance is under way (REBALANCE_IN_PROGRESS) or the member was fenced.
 *
 * Request (HeartbeatRequest.json)
 *   GroupId           string   v0+
 *   GenerationId      int32    v0+
 *   MemberId          string   v0+
 *   GroupInstanceId   string   v3+    nullable, default null (static membership, KIP-345)
 * Response (HeartbeatResponse.json)
 *   ThrottleTimeMs    int32    v1+
 *   ErrorCode         int16    v0+
 *
 * Versions: v1 adds ThrottleTimeMs; v2 answers before throttling; v3 adds GroupInstanceId;
 * v4 is the first flexible version.
 *
 * Clients: kafkajs 2.2 sends up to v3, librdkafka 2.0 up to v3, kafka-python 2.0 up to v1.
 * Cairn implements v0-v3, none of them flexible.
 */
import type { Api } from '../api.js';
import {
  readNullableStringField,
  readStringField,
  readTagsField,
  writeNullableStringField,
  writeStringField,
  writeTagsField,
} from '../fields.js';

export interface HeartbeatRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  throttleTimeMs: number;
  errorCode: number;
}

const flexibleVersion = 4;

export const heartbeatApi: Api<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  name: 'Heartbeat',
  minVersion: 0,
  maxVersion: 3,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    writer.writeInt32(request.generationId);
    writeStringField(writer, flexible, request.memberId);
    if (version >= 3) writeNullableStringField(writer, flexible, request.groupInstanceId);
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    const generationId = reader.readInt32();
    const memberId = readStringField(reader, flexible);
    const groupInstanceId = version >= 3 ? readNullableStringField(reader, flexible) : null;
    readTagsField(reader, flexible);
    return { groupId, generationId, memberId, groupInstanceId };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode };
  },
};
