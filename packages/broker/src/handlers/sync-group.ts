/**
 * SyncGroup: followers wait (a pending promise) for the leader's assignment; the leader's own
 * request completes the rebalance and is answered with its assignment.
 */
import { type SyncGroupRequest, type SyncGroupResponse, syncGroupApi } from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { GroupCoordinator } from '../groups/group-coordinator.js';

export function createSyncGroupHandler(
  coordinator: GroupCoordinator,
): ApiHandler<SyncGroupRequest, SyncGroupResponse> {
  return {
    api: syncGroupApi,
    async handle(request) {
      const result = await coordinator.syncGroup({
        groupId: request.groupId,
        generationId: request.generationId,
        memberId: request.memberId,
        groupInstanceId: request.groupInstanceId,
        // v5+ fields; Cairn serves v0-v3.
        protocolType: null,
        protocolName: null,
        // Views into the request frame: copied, since members keep them.
        assignments: request.assignments.map(({ memberId, assignment }) => ({
          memberId,
          assignment: Buffer.from(assignment),
        })),
      });
      return { throttleTimeMs: 0, errorCode: result.errorCode, assignment: result.assignment };
    },
    errorResponse: (_request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      assignment: Buffer.alloc(0),
    }),
  };
}
