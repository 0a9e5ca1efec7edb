/**
 * Builders shared by the group coordinator tests: a coordinator on a manual clock and an
 * in-memory log, and request parameters with sensible defaults.
 */
import { pino } from 'pino';
import type {
  GroupProtocol,
  JoinGroupParams,
  JoinGroupResult,
  SyncGroupResult,
} from '../../src/groups/coordinator-api.js';
import type { GroupConfig } from '../../src/groups/group-config.js';
import { GroupCoordinator } from '../../src/groups/group-coordinator.js';
import type { OffsetLog } from '../../src/groups/offsets-topic.js';
import { ManualClock } from './manual-clock.js';
import { MemoryOffsetLog } from './memory-offset-log.js';

export const testConfig: Partial<GroupConfig> = {
  sessionTimeoutMsMin: 100,
  sessionTimeoutMsMax: 60_000,
  initialRebalanceDelayMs: 50,
};

export interface Harness {
  readonly coordinator: GroupCoordinator;
  readonly clock: ManualClock;
  readonly log: OffsetLog;
}

export async function startCoordinator(
  config: Partial<GroupConfig> = {},
  log: OffsetLog = new MemoryOffsetLog(),
): Promise<Harness> {
  const clock = new ManualClock();
  const coordinator = new GroupCoordinator({
    log,
    clock,
    config: { ...testConfig, ...config },
    logger: pino({ level: 'silent' }),
  });
  await coordinator.load();
  return { coordinator, clock, log };
}

export function protocol(name: string, metadata = name): GroupProtocol {
  return { name, metadata: Buffer.from(metadata) };
}

export function joinParams(overrides: Partial<JoinGroupParams> = {}): JoinGroupParams {
  return {
    groupId: 'group',
    memberId: '',
    groupInstanceId: null,
    requireKnownMemberId: false,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    rebalanceTimeoutMs: 10_000,
    sessionTimeoutMs: 1_000,
    protocolType: 'consumer',
    protocols: [protocol('range')],
    ...overrides,
  };
}

/** Whether a promise has settled, without waiting for it. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await flushMicrotasks();
  return settled;
}

export async function flushMicrotasks(): Promise<void> {
  for (let index = 0; index < 5; index++) await Promise.resolve();
}

/** Joins one dynamic member with the v4+ handshake and waits out the initial delay. */
export async function joinAlone(
  harness: Harness,
  overrides: Partial<JoinGroupParams> = {},
): Promise<JoinGroupResult> {
  const pending = harness.coordinator.joinGroup(joinParams(overrides));
  harness.clock.advance(harness.coordinator.config.initialRebalanceDelayMs);
  return pending;
}

/** A stable group of one member: joined, synced with `assignment`. */
export async function stableGroupOfOne(
  harness: Harness,
  overrides: Partial<JoinGroupParams> = {},
): Promise<{ join: JoinGroupResult; sync: SyncGroupResult }> {
  const join = await joinAlone(harness, overrides);
  const sync = await harness.coordinator.syncGroup({
    groupId: overrides.groupId ?? 'group',
    generationId: join.generationId,
    memberId: join.memberId,
    groupInstanceId: overrides.groupInstanceId ?? null,
    protocolType: null,
    protocolName: null,
    assignments: [{ memberId: join.memberId, assignment: Buffer.from('all') }],
  });
  return { join, sync };
}
