/**
 * SyncGroup (key 14): after JoinGroup, the leader sends every member's assignment and each
 * member (the leader included) receives its own. Assignments are opaque bytes to the
 * coordinator; consumers put a consumer protocol assignment in them (consumer-protocol.ts).
 *
 * Request (SyncGroupRequest.json)
 *   GroupId            string   v0+
 *   GenerationId       int32    v0+
 *   MemberId           string   v0+
 *   GroupInstanceId    string   v3+    nullable, default null (static membership, KIP-345)
 *   ProtocolType       string   v5+    nullable (KIP-559; beyond Cairn's range)
 *   ProtocolName       string   v5+    nullable (KIP-559; beyond Cairn's range)
 *   Assignments [                v0+    empty unless sent by the leader
 *     MemberId         string   v0+
 *     Assignment       bytes    v0+
 *   ]
 * Response (SyncGroupResponse.json)
 *   ThrottleTimeMs     int32    v1+
 *   ErrorCode          int16    v0+
 *   ProtocolType       string   v5+    nullable (beyond Cairn's range)
 *   ProtocolName       string   v5+    nullable (beyond Cairn's range)
 *   Assignment         bytes    v0+    this member's assignment (empty if it was given none)
 *
 * Versions: v1 adds ThrottleTimeMs; v2 answers before throttling; v3 adds GroupInstanceId;
 * v4 is the first flexible version.
 *
 * Clients: kafkajs 2.2 sends up to v3, librdkafka 2.0 up to v3, kafka-python 2.0 up to v1.
 * Cairn implements v0-v3, none of them flexible.
 */
import type { Api } from '../api.js';
import {
  readArrayField,
  readBytesField,
  readNullableStringField,
  readStringField,
  readTagsField,
  writeArrayField,
  writeBytesField,
  writeNullableStringField,
  writeStringField,
  writeTagsField,
} from '../fields.js';
import type { Reader } from '../reader.js';

export interface SyncGroupRequestAssignment {
  memberId: string;
  assignment: Buffer;
}

export interface SyncGroupRequest {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  assignments: SyncGroupRequestAssignment[];
}

export interface SyncGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  assignment: Buffer;
}

const flexibleVersion = 4;

function readAssignment(reader: Reader, flexible: boolean): SyncGroupRequestAssignment {
  const memberId = readStringField(reader, flexible);
  const assignment = readBytesField(reader, flexible);
  readTagsField(reader, flexible);
  return { memberId, assignment };
}

export const syncGroupApi: Api<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  name: 'SyncGroup',
  minVersion: 0,
  maxVersion: 3,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    writer.writeInt32(request.generationId);
    writeStringField(writer, flexible, request.memberId);
    if (version >= 3) writeNullableStringField(writer, flexible, request.groupInstanceId);
    writeArrayField(writer, flexible, request.assignments, (w, assignment) => {
      writeStringField(w, flexible, assignment.memberId);
      writeBytesField(w, flexible, assignment.assignment);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    const generationId = reader.readInt32();
    const memberId = readStringField(reader, flexible);
    const groupInstanceId = version >= 3 ? readNullableStringField(reader, flexible) : null;
    const assignments = readArrayField(reader, flexible, (r) => readAssignment(r, flexible));
    readTagsField(reader, flexible);
    return { groupId, generationId, memberId, groupInstanceId, assignments };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    writeBytesField(writer, flexible, response.assignment);
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    const assignment = readBytesField(reader, flexible);
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode, assignment };
  },
};
