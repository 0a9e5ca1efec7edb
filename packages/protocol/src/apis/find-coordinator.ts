/**
 * FindCoordinator (key 10): which broker coordinates a consumer group (or a transactional id).
 *
 * Request (FindCoordinatorRequest.json)
 *   Key               string   v0-3   the group id (or transactional id)
 *   KeyType           int8     v1+    0 = group, 1 = transaction (default 0)
 *   CoordinatorKeys   []string v4+    batched keys (KIP-699; not implemented, see below)
 * Response (FindCoordinatorResponse.json)
 *   ThrottleTimeMs    int32    v1+
 *   ErrorCode         int16    v0-3
 *   ErrorMessage      string   v1-3   nullable
 *   NodeId            int32    v0-3
 *   Host              string   v0-3
 *   Port              int32    v0-3
 *   Coordinators      [...]    v4+    one entry per CoordinatorKeys entry (not implemented)
 *
 * Versions: v1 adds KeyType, ThrottleTimeMs and ErrorMessage; v2 is v1 (the broker answers
 * before throttling); v3 is the first flexible version; v4 batches keys.
 *
 * Clients: kafkajs 2.2 sends up to v2, librdkafka 2.0 up to v2, kafka-python 2.0 up to v1.
 * No client we serve sends v3 or the batched v4, so Cairn stops at v2; flexibleVersion is
 * still Kafka's 3 so that raising maxVersion to 3 is all v3 would take.
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

/** KeyType values. */
export const coordinatorKeyTypeGroup = 0;
export const coordinatorKeyTypeTransaction = 1;

export interface FindCoordinatorRequest {
  key: string;
  keyType: number;
}

export interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

const flexibleVersion = 3;

export const findCoordinatorApi: Api<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.key);
    if (version >= 1) writer.writeInt8(request.keyType);
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const key = readStringField(reader, flexible);
    const keyType = version >= 1 ? reader.readInt8() : coordinatorKeyTypeGroup;
    readTagsField(reader, flexible);
    return { key, keyType };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    if (version >= 1) writeNullableStringField(writer, flexible, response.errorMessage);
    writer.writeInt32(response.nodeId);
    writeStringField(writer, flexible, response.host);
    writer.writeInt32(response.port);
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    const errorMessage = version >= 1 ? readNullableStringField(reader, flexible) : null;
    const nodeId = reader.readInt32();
    const host = readStringField(reader, flexible);
    const port = reader.readInt32();
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode, errorMessage, nodeId, host, port };
  },
};
