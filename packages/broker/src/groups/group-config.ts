/**
 * The group coordinator's settings. Kafka's names are given for each: they are the names a
 * broker configuration uses. Defaults come from constants.ts.
 */
import { kafkaError } from '@cairn/protocol';
import {
  groupInitialRebalanceDelayMs,
  groupMembersMax,
  groupNewMemberJoinTimeoutMs,
  groupSessionTimeoutMsMax,
  groupSessionTimeoutMsMin,
  groupsMax,
  offsetMetadataBytesMax,
  offsetsRetentionCheckIntervalMs,
  offsetsRetentionMs,
} from '../constants.js';

export interface GroupConfig {
  /** group.min.session.timeout.ms */
  readonly sessionTimeoutMsMin: number;
  /** group.max.session.timeout.ms */
  readonly sessionTimeoutMsMax: number;
  /** group.max.size */
  readonly membersMax: number;
  /** group.initial.rebalance.delay.ms */
  readonly initialRebalanceDelayMs: number;
  /** Groups held at once (no Kafka equivalent). */
  readonly groupsMax: number;
  /** offset.metadata.max.bytes */
  readonly offsetMetadataBytesMax: number;
  /** How long a new member's first JoinGroup may stay parked. */
  readonly newMemberJoinTimeoutMs: number;
  /** offsets.retention.minutes, in ms: how long offsets outlive an empty group. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms */
  readonly offsetsRetentionCheckIntervalMs: number;
}

export const defaultGroupConfig: GroupConfig = {
  sessionTimeoutMsMin: groupSessionTimeoutMsMin,
  sessionTimeoutMsMax: groupSessionTimeoutMsMax,
  membersMax: groupMembersMax,
  initialRebalanceDelayMs: groupInitialRebalanceDelayMs,
  groupsMax,
  offsetMetadataBytesMax,
  newMemberJoinTimeoutMs: groupNewMemberJoinTimeoutMs,
  offsetsRetentionMs,
  offsetsRetentionCheckIntervalMs,
};

/** The defaults with `overrides` applied; throws INVALID_CONFIG for values that disagree. */
export function groupConfig(overrides: Partial<GroupConfig> = {}): GroupConfig {
  const config: GroupConfig = { ...defaultGroupConfig, ...overrides };
  for (const [name, value] of Object.entries(config)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw kafkaError('INVALID_CONFIG', `group setting ${name} = ${value} is not an integer >= 0`);
    }
  }
  if (config.sessionTimeoutMsMin > config.sessionTimeoutMsMax) {
    throw kafkaError(
      'INVALID_CONFIG',
      `group.min.session.timeout.ms ${config.sessionTimeoutMsMin} > ` +
        `group.max.session.timeout.ms ${config.sessionTimeoutMsMax}`,
    );
  }
  if (config.membersMax < 1 || config.groupsMax < 1) {
    throw kafkaError('INVALID_CONFIG', 'group.max.size and the groups limit must be >= 1');
  }
  if (config.offsetsRetentionMs < 1 || config.offsetsRetentionCheckIntervalMs < 1) {
    throw kafkaError(
      'INVALID_CONFIG',
      'offsets.retention.minutes and offsets.retention.check.interval.ms must be >= 1 ms',
    );
  }
  return config;
}
