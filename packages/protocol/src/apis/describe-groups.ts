/**
 * DescribeGroups (key 15): state, protocol and members of the named groups.
 *
 * Request (DescribeGroupsRequest.json)
 *   Groups                        []string  v0+
 *   IncludeAuthorizedOperations   bool      v3+    default false (KIP-430)
 * Response (DescribeGroupsResponse.json)
 *   ThrottleTimeMs                int32     v1+
 *   Groups [                                v0+
 *     ErrorCode                   int16     v0+
 *     ErrorMessage                string    v6+    nullable (beyond Cairn's range)
 *     GroupId                     string    v0+
 *     GroupState                  string    v0+    'Stable', 'Empty', 'Dead', ...
 *     ProtocolType                string    v0+    '' if none
 *     ProtocolData                string    v0+    the chosen assignor, '' unless Stable
 *     Members [                             v0+    empty if the group is Dead
 *       MemberId                  string    v0+
 *       GroupInstanceId           string    v4+    nullable, default null
 *       ClientId                  string    v0+
 *       ClientHost                string    v0+
 *       MemberMetadata            bytes     v0+    the subscription (Stable groups only)
 *       MemberAssignment          bytes     v0+    the assignment (Stable groups only)
 *     ]
 *     AuthorizedOperations        int32     v3+    default -2^31 (not requested)
 *   ]
 *
 * Versions: v1 adds ThrottleTimeMs; v2 answers before throttling; v3 adds authorized
 * operations; v4 adds GroupInstanceId; v5 is the first flexible version; v6 adds ErrorMessage.
 *
 * Clients: kafkajs 2.2 sends up to v2, librdkafka 2.0 up to v4, kafka-python 2.0 up to v3.
 * Cairn implements v0-v4, none of them flexible.
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
import type { Writer } from '../writer.js';

/** AuthorizedOperations when they were not requested (Integer.MIN_VALUE in Kafka). */
export const authorizedOperationsOmitted = -(2 ** 31);

export interface DescribeGroupsRequest {
  groups: string[];
  includeAuthorizedOperations: boolean;
}

export interface DescribedGroupMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  memberMetadata: Buffer;
  memberAssignment: Buffer;
}

export interface DescribedGroup {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: DescribedGroupMember[];
  authorizedOperations: number;
}

export interface DescribeGroupsResponse {
  throttleTimeMs: number;
  groups: DescribedGroup[];
}

const flexibleVersion = 5;

function readMember(reader: Reader, version: number, flexible: boolean): DescribedGroupMember {
  const memberId = readStringField(reader, flexible);
  const groupInstanceId = version >= 4 ? readNullableStringField(reader, flexible) : null;
  const clientId = readStringField(reader, flexible);
  const clientHost = readStringField(reader, flexible);
  const memberMetadata = readBytesField(reader, flexible);
  const memberAssignment = readBytesField(reader, flexible);
  readTagsField(reader, flexible);
  return { memberId, groupInstanceId, clientId, clientHost, memberMetadata, memberAssignment };
}

function readGroup(reader: Reader, version: number, flexible: boolean): DescribedGroup {
  const errorCode = reader.readInt16();
  const groupId = readStringField(reader, flexible);
  const groupState = readStringField(reader, flexible);
  const protocolType = readStringField(reader, flexible);
  const protocolData = readStringField(reader, flexible);
  const members = readArrayField(reader, flexible, (r) => readMember(r, version, flexible));
  const authorizedOperations = version >= 3 ? reader.readInt32() : authorizedOperationsOmitted;
  readTagsField(reader, flexible);
  return {
    errorCode,
    groupId,
    groupState,
    protocolType,
    protocolData,
    members,
    authorizedOperations,
  };
}

function writeMember(
  writer: Writer,
  version: number,
  flexible: boolean,
  member: DescribedGroupMember,
): void {
  writeStringField(writer, flexible, member.memberId);
  if (version >= 4) writeNullableStringField(writer, flexible, member.groupInstanceId);
  writeStringField(writer, flexible, member.clientId);
  writeStringField(writer, flexible, member.clientHost);
  writeBytesField(writer, flexible, member.memberMetadata);
  writeBytesField(writer, flexible, member.memberAssignment);
  writeTagsField(writer, flexible);
}

function writeGroup(writer: Writer, version: number, flexible: boolean, group: DescribedGroup) {
  writer.writeInt16(group.errorCode);
  writeStringField(writer, flexible, group.groupId);
  writeStringField(writer, flexible, group.groupState);
  writeStringField(writer, flexible, group.protocolType);
  writeStringField(writer, flexible, group.protocolData);
  writeArrayField(writer, flexible, group.members, (w, member) =>
    writeMember(w, version, flexible, member),
  );
  if (version >= 3) writer.writeInt32(group.authorizedOperations);
  writeTagsField(writer, flexible);
}

export const describeGroupsApi: Api<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  name: 'DescribeGroups',
  minVersion: 0,
  maxVersion: 4,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeArrayField(writer, flexible, request.groups, (w, groupId) =>
      writeStringField(w, flexible, groupId),
    );
    if (version >= 3) writer.writeBoolean(request.includeAuthorizedOperations);
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groups = readArrayField(reader, flexible, (r) => readStringField(r, flexible));
    const includeAuthorizedOperations = version >= 3 ? reader.readBoolean() : false;
    readTagsField(reader, flexible);
    return { groups, includeAuthorizedOperations };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writeArrayField(writer, flexible, response.groups, (w, group) =>
      writeGroup(w, version, flexible, group),
    );
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const groups = readArrayField(reader, flexible, (r) => readGroup(r, version, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, groups };
  },
};
