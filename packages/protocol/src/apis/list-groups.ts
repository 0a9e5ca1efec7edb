/**
 * ListGroups (key 16): the groups this broker coordinates, optionally filtered by state.
 *
 * Request (ListGroupsRequest.json)
 *   StatesFilter       []string   v4+    default []: every group (KIP-518)
 *   TypesFilter        []string   v5+    (KIP-848; beyond Cairn's range)
 * Response (ListGroupsResponse.json)
 *   ThrottleTimeMs     int32      v1+
 *   ErrorCode          int16      v0+
 *   Groups [                      v0+
 *     GroupId          string     v0+
 *     ProtocolType     string     v0+    'consumer' for consumer groups
 *     GroupState       string     v4+    default '' ('Stable', 'Empty', ...)
 *     GroupType        string     v5+    (beyond Cairn's range)
 *   ]
 *
 * Versions: v1 adds ThrottleTimeMs; v2 answers before throttling; v3 is the first flexible
 * version; v4 adds StatesFilter and GroupState; v5 adds group types.
 *
 * Clients: kafkajs 2.2 sends up to v2, librdkafka 2.0 up to v4 (flexible from v3),
 * kafka-python 2.0 up to v2. Cairn implements v0-v4.
 */
import type { Api } from '../api.js';
import {
  readArrayField,
  readStringField,
  readTagsField,
  writeArrayField,
  writeStringField,
  writeTagsField,
} from '../fields.js';
import type { Reader } from '../reader.js';

export interface ListGroupsRequest {
  /** Empty lists every group. */
  statesFilter: string[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  /** '' before v4. */
  groupState: string;
}

export interface ListGroupsResponse {
  throttleTimeMs: number;
  errorCode: number;
  groups: ListedGroup[];
}

const flexibleVersion = 3;

function readListedGroup(reader: Reader, version: number, flexible: boolean): ListedGroup {
  const groupId = readStringField(reader, flexible);
  const protocolType = readStringField(reader, flexible);
  const groupState = version >= 4 ? readStringField(reader, flexible) : '';
  readTagsField(reader, flexible);
  return { groupId, protocolType, groupState };
}

export const listGroupsApi: Api<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  name: 'ListGroups',
  minVersion: 0,
  maxVersion: 4,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    if (version >= 4) {
      writeArrayField(writer, flexible, request.statesFilter, (w, state) =>
        writeStringField(w, flexible, state),
      );
    }
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const statesFilter =
      version >= 4 ? readArrayField(reader, flexible, (r) => readStringField(r, flexible)) : [];
    readTagsField(reader, flexible);
    return { statesFilter };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    if (version >= 1) writer.writeInt32(response.throttleTimeMs);
    writer.writeInt16(response.errorCode);
    writeArrayField(writer, flexible, response.groups, (w, group) => {
      writeStringField(w, flexible, group.groupId);
      writeStringField(w, flexible, group.protocolType);
      if (version >= 4) writeStringField(w, flexible, group.groupState);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = version >= 1 ? reader.readInt32() : 0;
    const errorCode = reader.readInt16();
    const groups = readArrayField(reader, flexible, (r) => readListedGroup(r, version, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, errorCode, groups };
  },
};
