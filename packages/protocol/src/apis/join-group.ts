/**
 * JoinGroup (key 11): a member joins (or rejoins) a group; the coordinator answers once the
 * rebalance completes, naming the generation, the chosen protocol and the leader, and giving
 * the leader every member's metadata (the consumer protocol subscription, consumer-protocol.ts).
 *
 * Request (JoinGroupRequest.json)
 *   GroupId             string   v0+
 *   SessionTimeoutMs    int32    v0+
 *   RebalanceTimeoutMs  int32    v1+    default -1: use SessionTimeoutMs
 *   MemberId            string   v0+    '' on the first join
 *   GroupInstanceId     string   v5+    nullable, default null (static membership, KIP-345)
 *   ProtocolType        string   v0+    'consumer' for consumers
 *   Protocols [                  v0+
 *     Name              string   v0+    assignor name ('range', 'roundrobin', ...)
 *     Metadata          bytes    v0+    the member's subscription for that assignor
 *   ]
 *   Reason              string   v8+    nullable (KIP-800; beyond Cairn's range)
 * Response (JoinGroupResponse.json)
 *   ThrottleTimeMs      int32    v2+
 *   ErrorCode           int16    v0+
 *   GenerationId        int32    v0+    default -1
 *   ProtocolType        string   v7+    nullable (beyond Cairn's range)
 *   ProtocolName        string   v0+    nullable from v7
 *   Leader              string   v0+    the leader's member id
 *   SkipAssignment      bool     v9+    (beyond Cairn's range)
 *   MemberId            string   v0+    the id the coordinator gave this member
 *   Members [                    v0+    empty unless this member is the leader
 *     MemberId          string   v0+
 *     GroupInstanceId   string   v5+    nullable, default null
 *     Metadata          bytes    v0+
 *   ]
 *
 * Versions: v1 adds RebalanceTimeoutMs; v2 adds ThrottleTimeMs; v3 answers before throttling;
 * v4 makes a new member rejoin with the id it is given (MEMBER_ID_REQUIRED, KIP-394); v5 adds
 * GroupInstanceId; v6 is the first flexible version.
 *
 * Clients: kafkajs 2.2 sends up to v5, librdkafka 2.0 up to v5, kafka-python 2.0 up to v2.
 * Cairn implements v0-v5, none of them flexible.
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

export interface JoinGroupRequestProtocol {
  name: string;
  metadata: Buffer;
}

export interface JoinGroupRequest {
  groupId: string;
  sessionTimeoutMs: number;
  /** -1 when the version predates it: the coordinator then uses sessionTimeoutMs. */
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: JoinGroupRequestProtocol[];
}

export interface JoinGroupResponseMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

export interface JoinGroupResponse {
  throttleTimeMs: number;
  errorCode: number;
  generationId: number;
  protocolName: string;
  leader: string;
  memberId: string;
  members: JoinGroupResponseMember[];
}

const flexibleVersion = 6;

function readProtocol(reader: Reader, flexible: boolean): JoinGroupRequestProtocol {
  const name = readStringField(reader, flexible);
  const metadata = readBytesField(reader, flexible);
  readTagsField(reader, flexible);
  return { name, metadata };
}

function readMember(reader: Reader, version: number, flexible: boolean): JoinGroupResponseMember {
  const memberId = readStringField(reader, flexible);
  const groupInstanceId = version >= 5 ? readNullableStringField(reader, flexible) : null;
  const metadata = readBytesField(reader, flexible);
  readTagsField(reader, flexible);
  return { memberId, groupInstanceId, metadata };
}

export const joinGroupApi: Api<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  name: 'JoinGroup',
  minVersion: 0,
  maxVersion: 5,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeStringField(writer, flexible, request.groupId);
    writer.writeInt32(request.sessionTimeoutMs);
    if (version >= 1) writer.writeInt32(request.rebalanceTimeoutMs);
    writeStringField(writer, flexible, request.memberId);
    if (version >= 5) writeNullableStringField(writer, flexible, request.groupInstanceId);
    writeStringField(writer, flexible, request.protocolType);
    writeArrayField(writer, flexible, request.protocols, (w, protocol) => {
      writeStringField(w, flexible, protocol.name);
      writeBytesField(w, flexible, protocol.metadata);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupId = readStringField(reader, flexible);
    const sessionTimeoutMs = reader.readInt32();
    const rebalanceTimeoutMs = version >= 1 ? reader.readInt32() : -1;
    const memberId = readStringField(reader, flexible);
    const groupInstanceId = version >= 5 ? readNullableStringField(reader, flexible) : null;
    const protocolType = readStringField(reader, flexible);
    const protocols = readArrayField(reader, flexible, (r) => readProtocol(r, flexible));
    readTagsField(reader, flexible);
    return {
      groupId,
      sessionTimeoutMs,
      rebalanceTimeoutMs,
      memberId,
      groupInstanceId,
      protocolType,
      protocols,
    };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 2) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    writer.writeInt32(response.generationId);
    writeStringField(writer, flexible, response.protocolName);
    writeStringField(writer, flexible, response.leader);
    writeStringField(writer, flexible, response.memberId);
    writeArrayField(writer, flexible, response.members, (w, member) => {
      writeStringField(w, flexible, member.memberId);
      if (version >= 5) writeNullableStringField(w, flexible, member.groupInstanceId);
      writeBytesField(w, flexible, member.metadata);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 2 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    const generationId = reader.readInt32();
    const protocolName = readStringField(reader, flexible);
    const leader = readStringField(reader, flexible);
    const memberId = readStringField(reader, flexible);
    const members = readArrayField(reader, flexible, (r) => readMember(r, version, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode, generationId, protocolName, leader, memberId, members };
  },
};
