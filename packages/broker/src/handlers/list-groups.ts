/** ListGroups: every group this broker coordinates, filtered by state from v4. */
import { type ListGroupsRequest, type ListGroupsResponse, listGroupsApi } from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

export function createListGroupsHandler(
  coordinator: GroupCoordinator,
): ApiHandler<ListGroupsRequest, ListGroupsResponse> {
  return {
    api: listGroupsApi,
    handle(request) {
      const result = coordinator.listGroups(request.statesFilter);
      return {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        groups: result.groups.map((group) => ({ ...group })),
      };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] }),
  };
}
