/**
 * DeleteGroups (key 42): delete empty groups and their committed offsets.
 *
 * Request (DeleteGroupsRequest.json)
 *   GroupsNames        []string  v0+
 * Response (DeleteGroupsResponse.json)
 *   ThrottleTimeMs     int32     v0+
 *   Results [                    v0+
 *     GroupId          string    v0+
 *     ErrorCode        int16     v0+    NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ...
 *     ErrorMessage     string    v3+    nullable (beyond Cairn's range)
 *   ]
 *
 * Versions: v1 answers before throttling; v2 is the first flexible version; v3 adds
 * ErrorMessage.
 *
 * Clients: kafkajs 2.2 sends up to v1, librdkafka 2.0 up to v1, kafka-python 2.0 up to v1.
 * Cairn implements v0-v1, neither flexible.
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

export interface DeleteGroupsRequest {
  groupsNames: string[];
}

export interface DeletableGroupResult {
  groupId: string;
  errorCode: number;
}

export interface DeleteGroupsResponse {
  throttleTimeMs: number;
  results: DeletableGroupResult[];
}

const flexibleVersion = 2;

function readResult(reader: Reader, flexible: boolean): DeletableGroupResult {
  const groupId = readStringField(reader, flexible);
  const errorCode = reader.readInt16();
  readTagsField(reader, flexible);
  return { groupId, errorCode };
}

export const deleteGroupsApi: Api<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  name: 'DeleteGroups',
  minVersion: 0,
  maxVersion: 1,
  flexibleVersion,

  encodeRequest(writer, version, request) {
    const flexible = version >= flexibleVersion;
    writeArrayField(writer, flexible, request.groupsNames, (w, name) =>
      writeStringField(w, flexible, name),
    );
    writeTagsField(writer, flexible);
  },

  decodeRequest(reader, version) {
    const flexible = version >= flexibleVersion;
    const groupsNames = readArrayField(reader, flexible, (r) => readStringField(r, flexible));
    readTagsField(reader, flexible);
    return { groupsNames };
  },

  encodeResponse(writer, version, response) {
    const flexible = version >= flexibleVersion;
    writer.writeInt32(response.throttleTimeMs);
    writeArrayField(writer, flexible, response.results, (w, result) => {
      writeStringField(w, flexible, result.groupId);
      w.writeInt16(result.errorCode);
      writeTagsField(w, flexible);
    });
    writeTagsField(writer, flexible);
  },

  decodeResponse(reader, version) {
    const flexible = version >= flexibleVersion;
    const throttleTimeMs = reader.readInt32();
    const results = readArrayField(reader, flexible, (r) => readResult(r, flexible));
    readTagsField(reader, flexible);
    return { throttleTimeMs, results };
  },
};
