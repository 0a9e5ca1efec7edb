/**
 * LeaveGroup (key 13): members leave a group so that it rebalances at once instead of after
 * the session timeout.
 *
 * Request (LeaveGroupRequest.json)
 *   GroupId             string   v0+
 *   MemberId            string   v0-2   the one member leaving
 *   Members [                    v3+    batch of leaving members (KIP-345)
 *     MemberId          string   v3+
 *     GroupInstanceId   string   v3+    nullable, default null
 *     Reason            string   v5+    nullable (KIP-800; beyond Cairn's range)
 *   ]
 * Response (LeaveGroupResponse.json)
 *   ThrottleTimeMs      int32    v1+
 *   ErrorCode           int16    v0+
 *   Members [                    v3+    one result per leaving member
 *     MemberId          string   v3+
 *     GroupInstanceId   string   v3+    nullable
 *     ErrorCode         int16    v3+
 *   ]
 *
 * Versions: v1 adds ThrottleTimeMs; v2 answers before throttling; v3 replaces MemberId with
 * the Members batch; v4 is the first flexible version.
 *
 * One shape: the request always carries `members`. For v0-v2 decoding lifts the single
 * MemberId into a one-element `members` (with a null GroupInstanceId), as Kafka's
 * LeaveGroupRequest.members() does, so the coordinator handles one shape; encoding v0-v2
 * asserts exactly one member and writes its id.
 *
 * Clients: kafkajs 2.2 sends up to v3, librdkafka 2.0 up to v1, kafka-python 2.0 up to v1.
 * Cairn implements v0-v3, none of them flexible.
 */
import type { Api } from '../api.js';
import { assert } from '../assert.js';
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

export interface LeaveGroupMemberIdentity {
  memberId: string;
  groupInstanceId: string | null;
}

export interface LeaveGroupRequest {
  groupId: string;
  /** Exactly one member before v3. */
  members: LeaveGroupMemberIdentity[];
}

export interface LeaveGroupMemberResponse {
  memberId: string;
  groupInstanceId: string | null;
  errorCode: number;
}

export interface LeaveGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  /** Empty before v3. */
  members: LeaveGroupMemberResponse[];
}

const flexibleVersion = 4;

function readMemberIdentity(reader: Reader, flexible: boolean): LeaveGroupMemberIdentity {
  const memberId = readStringField(reader, flexible);
  const groupInstanceId = readNullableStringField(reader, flexible);
  readTagsField(reader, flexible);
  return { memberId, groupInstanceId };
}

function readMemberResponse(reader: Reader, flexible: boolean): LeaveGroupMemberResponse {
  const memberId = readStringField(reader, flexible);
  const groupInstanceId = readNullableStringField(reader, flexible);
  const errorCode = reader.readInt16();
  readTagsField(reader, flexible);
  return { memberId, groupInstanceId, errorCode };
}

export const leaveGroupApi: Api<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  name: 'LeaveGroup',
  minVersion: 0,
  maxVersion: 3,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    if (version >= 3) {
      writeArrayField(writer, flexible, request.members, (w, member) => {
        writeStringField(w, flexible, member.memberId);
        writeNullableStringField(w, flexible, member.groupInstanceId);
        writeTagsField(w, flexible);
      });
    } else {
      const member = request.members[0];
      assert(
        member !== undefined && request.members.length === 1,
        `LeaveGroup v${version} carries one member, not ${request.members.length}`,
      );
      writeStringField(writer, flexible, member.memberId);
    }
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    let members: LeaveGroupMemberIdentity[];
    if (version >= 3) {
      members = readArrayField(reader, flexible, (r) => readMemberIdentity(r, flexible));
    } else {
      members = [{ memberId: readStringField(reader, flexible), groupInstanceId: null }];
    }
    readTagsField(reader, flexible);
    return { groupId, members };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    if (version >= 3) {
      writeArrayField(writer, flexible, response.members, (w, member) => {
        writeStringField(w, flexible, member.memberId);
        writeNullableStringField(w, flexible, member.groupInstanceId);
        w.writeInt16(member.errorCode);
        writeTagsField(w, flexible);
      });
    }
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    const members =
      version >= 3 ? readArrayField(reader, flexible, (r) => readMemberResponse(r, flexible)) : [];
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode, members };
  },
};
