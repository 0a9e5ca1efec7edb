/** Heartbeat: keeps a member's session alive; the error code signals rebalances and fencing. */
import { type HeartbeatRequest, type HeartbeatResponse, heartbeatApi } from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

export function createHeartbeatHandler(
  coordinator: GroupCoordinator,
): ApiHandler<HeartbeatRequest, HeartbeatResponse> {
  return {
    api: heartbeatApi,
    handle(request) {
      const errorCode = coordinator.heartbeat({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
      });
      return { throttleTimeMs: 0, errorCode };
    },
    errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
  };
}
