/**
 * LeaveGroup: members leave at once instead of after their session timeout. Before v3 the
 * request names one member and the response has no per-member results, so that member's
 * error is the response's error, as Kafka's LeaveGroupResponse does for old versions.
 */
import {
  ErrorCode,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  leaveGroupApi,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

/** The first version with a batch of members and per-member results (KIP-345). */
const memberBatchVersion = 3;

export function createLeaveGroupHandler(
  coordinator: GroupCoordinator,
): ApiHandler<LeaveGroupRequest, LeaveGroupResponse> {
  return {
    api: leaveGroupApi,
    handle(request, context) {
      const result = coordinator.leaveGroup(request.groupId, request.members);
      const members = result.members.map((member) => ({ ...member }));
      if (context.header.apiVersion >= memberBatchVersion) {
        return { throttleTimeMs: 0, errorCode: result.errorCode, members };
      }
      const memberError = members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode;
      const errorCode =
        result.errorCode !== ErrorCode.NONE ? result.errorCode : (memberError ?? ErrorCode.NONE);
      return { throttleTimeMs: 0, errorCode, members: [] };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] }),
  };
}
