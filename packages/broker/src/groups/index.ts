/**
 * The group coordinator and the handlers of its ten APIs, for the broker's dispatch table:
 * FindCoordinator, JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch,
 * ListGroups, DescribeGroups and DeleteGroups.
 */
import type { AnyApiHandler } from '../dispatcher.js';
import { createDeleteGroupsHandler } from '../handlers/delete-groups.js';
import { createDescribeGroupsHandler } from '../handlers/describe-groups.js';
import {
  type CoordinatorNode,
  createFindCoordinatorHandler,
} from '../handlers/find-coordinator.js';
import { createHeartbeatHandler } from '../handlers/heartbeat.js';
import { createJoinGroupHandler } from '../handlers/join-group.js';
import { createLeaveGroupHandler } from '../handlers/leave-group.js';
import { createListGroupsHandler } from '../handlers/list-groups.js';
import { createOffsetCommitHandler, type PartitionExists } from '../handlers/offset-commit.js';
import { createOffsetFetchHandler } from '../handlers/offset-fetch.js';
import { createSyncGroupHandler } from '../handlers/sync-group.js';
import type { GroupCoordinator } from './group-coordinator.js';

export type { Clock, Timer } from './clock.js';
export { systemClock } from './clock.js';
export type * from './coordinator-api.js';
export type { GroupConfig } from './group-config.js';
export { defaultGroupConfig, groupConfig } from './group-config.js';
export { GroupCoordinator, type GroupCoordinatorOptions } from './group-coordinator.js';
export {
  OFFSETS_TOPIC,
  OFFSETS_TOPIC_PARTITION,
  type OffsetLog,
} from './offsets-topic.js';
export type { CoordinatorNode, PartitionExists };

export interface GroupHandlerDeps {
  readonly coordinator: GroupCoordinator;
  /** This broker's advertised address, read per FindCoordinator (known after listen). */
  readonly coordinatorNode: () => CoordinatorNode;
  /** Whether a partition exists; OffsetCommit to others is UNKNOWN_TOPIC_OR_PARTITION. */
  readonly partitionExists?: PartitionExists;
}

export function createGroupHandlers(deps: GroupHandlerDeps): AnyApiHandler[] {
  const { coordinator } = deps;
  return [
    createFindCoordinatorHandler(deps.coordinatorNode),
    createJoinGroupHandler(coordinator),
    createSyncGroupHandler(coordinator),
    createHeartbeatHandler(coordinator),
    createLeaveGroupHandler(coordinator),
    createOffsetCommitHandler(coordinator, deps.partitionExists),
    createOffsetFetchHandler(coordinator),
    createListGroupsHandler(coordinator),
    createDescribeGroupsHandler(coordinator),
    createDeleteGroupsHandler(coordinator),
  ];
}
