/** The assignors Cairn ships, by protocol name. */
export { cooperativeStickyAssignor, cooperativeStickyAssignorName } from './cooperative-sticky.js';
export type {
  AssignorMember,
  AssignorSubscriptionContext,
  GroupAssignment,
  PartitionAssignor,
  RebalanceProtocol,
} from './partition-assignor.js';
export { rangeAssignor, rangeAssignorName } from './range.js';
export { roundRobinAssignor, roundRobinAssignorName } from './round-robin.js';
