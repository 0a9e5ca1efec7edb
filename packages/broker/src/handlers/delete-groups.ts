/**
 * DeleteGroups: deletes Empty groups and tombstones their offsets in __consumer_offsets,
 * answering once the tombstones are fsync'd; NON_EMPTY_GROUP while a group has members.
 */
import {
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  deleteGroupsApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

export function createDeleteGroupsHandler(
  coordinator: GroupCoordinator,
): ApiHandler<DeleteGroupsRequest, DeleteGroupsResponse> {
  return {
    api: deleteGroupsApi,
    async handle(request) {
      const results = await coordinator.deleteGroups(request.groupsNames);
      return { throttleTimeMs: 0, results: results.map((result) => ({ ...result })) };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      results: request.groupsNames.map((groupId) => ({ groupId, errorCode })),
    }),
  };
}
