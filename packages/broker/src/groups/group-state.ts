/**
 * The states of a classic group and the transitions between them, as Kafka's GroupMetadata
 * defines them. The names are part of the interface: DescribeGroups and ListGroups send them.
 *
 *   Empty                no members; the group may still hold committed offsets.
 *                        -> PreparingRebalance when a member joins; -> Dead when deleted.
 *   PreparingRebalance   JoinGroup requests are parked until every known member has rejoined
 *                        or the rebalance timeout passes; heartbeats get REBALANCE_IN_PROGRESS.
 *                        -> CompletingRebalance (members joined) or Empty (none did).
 *   CompletingRebalance  the generation is chosen; SyncGroup requests wait for the leader's
 *                        assignment; offset commits get REBALANCE_IN_PROGRESS.
 *                        -> Stable on the leader's SyncGroup; -> PreparingRebalance on a
 *                        join, leave or member failure.
 *   Stable               every member has its assignment; heartbeats are answered normally.
 *                        -> PreparingRebalance on a join, leave or member failure.
 *   Dead                 the group was deleted or the coordinator closed; nothing leaves it.
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const groupStates: readonly GroupState[] = [
  'Empty',
  'PreparingRebalance',
  'CompletingRebalance',
  'Stable',
  'Dead',
];

const validPreviousStates: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

export function isValidTransition(from: GroupState, to: GroupState): boolean {
  return validPreviousStates[to].includes(from);
}
