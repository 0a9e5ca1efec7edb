/**
 * DescribeGroups: state, protocol and members of each group named; metadata and assignments
 * are filled in once a group is Stable. A group the broker does not know is Dead with no
 * members (GROUP_ID_NOT_FOUND only comes with v6, beyond Cairn's range).
 */
import {
  authorizedOperationsOmitted,
  type DescribedGroup,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  describeGroupsApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

/**
 * The operations a client may perform on a group when asked (KIP-430): Cairn has no ACLs, so
 * all of a group's: READ (3), DELETE (6) and DESCRIBE (8), as bits of Kafka's AclOperation.
 */
const groupOperationsAll = (1 << 3) | (1 << 6) | (1 << 8);

export function createDescribeGroupsHandler(
  coordinator: GroupCoordinator,
): ApiHandler<DescribeGroupsRequest, DescribeGroupsResponse> {
  return {
    api: describeGroupsApi,
    handle(request) {
      const authorizedOperations = request.includeAuthorizedOperations
        ? groupOperationsAll
        : authorizedOperationsOmitted;
      const groups = coordinator.describeGroups(request.groups).map(
        (group): DescribedGroup => ({
          ...group,
          members: group.members.map((member) => ({ ...member })),
          authorizedOperations,
        }),
      );
      return { throttleTimeMs: 0, groups };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      groups: request.groups.map((groupId) => ({
        errorCode,
        groupId,
        groupState: '',
        protocolType: '',
        protocolData: '',
        members: [],
        authorizedOperations: authorizedOperationsOmitted,
      })),
    }),
  };
}
