// Proves the ten group API handlers map the wire shapes onto the coordinator, by encoding
// requests with the '@cairn/protocol' codecs, dispatching them and decoding the responses.
import {
  type Api,
  decodeResponseHeader,
  deleteGroupsApi,
  describeGroupsApi,
  ErrorCode,
  encodeRequestHeader,
  findCoordinatorApi,
  heartbeatApi,
  isFlexible,
  joinGroupApi,
  leaveGroupApi,
  listGroupsApi,
  offsetCommitApi,
  offsetFetchApi,
  Reader,
  responseHeaderIsFlexible,
  syncGroupApi,
  Writer,
} from '@cairn/protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src/dispatcher.js';
import { createGroupHandlers } from '../../src/groups/index.js';
import { BrokerProbe } from '../../src/probe.js';
import { type Harness, startCoordinator } from './group-fixtures.js';

function dispatcherFor(harness: Harness) {
  const handlers = createGroupHandlers({
    coordinator: harness.coordinator,
    coordinatorNode: () => ({ nodeId: 1, host: 'localhost', port: 19092 }),
    partitionExists: (topic) => topic !== 'missing',
  });
  const dispatch = createDispatcher(handlers, pino({ level: 'silent' }), new BrokerProbe());
  return async function call<Request, Response>(
    api: Api<Request, Response>,
    version: number,
    request: Request,
  ): Promise<Response> {
    const flexible = isFlexible(api, version);
    const writer = new Writer();
    const header = { apiKey: api.apiKey, apiVersion: version, correlationId: 9, clientId: 'app' };
    encodeRequestHeader(writer, header, flexible);
    api.encodeRequest(writer, version, request);
    const connection = { id: 1, remoteAddress: '10.0.0.7:40000' };
    const bytes = await dispatch(writer.finishCopy(), connection);
    if (!(bytes instanceof Buffer)) throw new Error('expected one response buffer');
    const reader = new Reader(bytes);
    reader.readInt32();
    expect(decodeResponseHeader(reader, responseHeaderIsFlexible(api.apiKey, flexible))).toBe(9);
    return api.decodeResponse(reader, version);
  };
}

const subscription = { name: 'range', metadata: Buffer.from('sub') };

describe('group handlers', () => {
  it('answer FindCoordinator with this broker', async () => {
    const call = dispatcherFor(await startCoordinator());
    const found = await call(findCoordinatorApi, 1, { key: 'g', keyType: 0 });
    expect(found).toMatchObject({ errorCode: 0, nodeId: 1, host: 'localhost', port: 19092 });
    const bad = await call(findCoordinatorApi, 1, { key: 'g', keyType: 5 });
    expect(bad.errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  it('run a consumer through join (v5), sync, heartbeat, commit, fetch and leave', async () => {
    const harness = await startCoordinator();
    const call = dispatcherFor(harness);
    const join = {
      groupId: 'g',
      sessionTimeoutMs: 1_000,
      rebalanceTimeoutMs: 5_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [subscription],
    };
    const first = await call(joinGroupApi, 5, join);
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^app-/);
    const pending = call(joinGroupApi, 5, { ...join, memberId: first.memberId });
    await new Promise((resolve) => setImmediate(resolve));
    harness.clock.advance(harness.coordinator.config.initialRebalanceDelayMs);
    const joined = await pending;
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolName: 'range' });
    expect(joined.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, metadata: Buffer.from('sub') },
    ]);
    const member = { groupId: 'g', generationId: 1, memberId: first.memberId };
    const synced = await call(syncGroupApi, 3, {
      ...member,
      groupInstanceId: null,
      assignments: [{ memberId: first.memberId, assignment: Buffer.from('a') }],
    });
    expect(synced).toMatchObject({ errorCode: 0, assignment: Buffer.from('a') });
    const beat = await call(heartbeatApi, 3, { ...member, groupInstanceId: null });
    expect(beat.errorCode).toBe(0);

    const committed = await call(offsetCommitApi, 7, {
      ...member,
      groupInstanceId: null,
      retentionTimeMs: -1,
      topics: [
        { name: 't', partitions: [partitionCommit(0, 10), partitionCommit(1, 11)] },
        { name: 'missing', partitions: [partitionCommit(0, 12)] },
      ],
    });
    expect(committed.topics.map((t) => t.partitions.map((p) => p.errorCode))).toEqual([
      [0, 0],
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    const fetched = await call(offsetFetchApi, 5, {
      groupId: 'g',
      topics: null,
      requireStable: false,
    });
    expect(fetched.topics).toEqual([
      {
        name: 't',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 10,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: 0,
          },
          {
            partitionIndex: 1,
            committedOffset: 11,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: 0,
          },
        ],
      },
    ]);

    const described = await call(describeGroupsApi, 4, {
      groups: ['g'],
      includeAuthorizedOperations: false,
    });
    expect(described.groups[0]).toMatchObject({
      groupState: 'Stable',
      protocolData: 'range',
      members: [{ memberId: first.memberId, clientId: 'app', clientHost: '/10.0.0.7' }],
    });
    const listed = await call(listGroupsApi, 4, { statesFilter: ['Stable'] });
    expect(listed.groups).toEqual([
      { groupId: 'g', protocolType: 'consumer', groupState: 'Stable' },
    ]);

    const left = await call(leaveGroupApi, 1, {
      groupId: 'g',
      members: [{ memberId: 'ghost', groupInstanceId: null }],
    });
    // v0-v2 have no per-member results: the member's error is the response's.
    expect(left).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, members: [] });
    const gone = await call(leaveGroupApi, 3, {
      groupId: 'g',
      members: [{ memberId: first.memberId, groupInstanceId: null }],
    });
    expect(gone.members).toEqual([
      { memberId: first.memberId, groupInstanceId: null, errorCode: 0 },
    ]);

    const deleted = await call(deleteGroupsApi, 1, { groupsNames: ['g', 'nope'] });
    expect(deleted.results).toEqual([
      { groupId: 'g', errorCode: 0 },
      { groupId: 'nope', errorCode: ErrorCode.GROUP_ID_NOT_FOUND },
    ]);
  });

  it('report a group error on every partition asked for by OffsetFetch v1', async () => {
    const harness = await startCoordinator();
    const call = dispatcherFor(harness);
    await harness.coordinator.close();
    const fetched = await call(offsetFetchApi, 1, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0, 1] }],
      requireStable: false,
    });
    expect(fetched.topics[0]?.partitions.map((p) => [p.committedOffset, p.errorCode])).toEqual([
      [-1, ErrorCode.COORDINATOR_NOT_AVAILABLE],
      [-1, ErrorCode.COORDINATOR_NOT_AVAILABLE],
    ]);
  });

  it('let a v0 JoinGroup in without MEMBER_ID_REQUIRED', async () => {
    const harness = await startCoordinator();
    const call = dispatcherFor(harness);
    const pending = call(joinGroupApi, 0, {
      groupId: 'g',
      sessionTimeoutMs: 1_000,
      rebalanceTimeoutMs: -1,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [subscription],
    });
    await new Promise((resolve) => setImmediate(resolve));
    harness.clock.advance(harness.coordinator.config.initialRebalanceDelayMs);
    expect(await pending).toMatchObject({ errorCode: 0, generationId: 1 });
    // v0 has no rebalance timeout: the session timeout stands in for it.
    expect(harness.coordinator.group('g')?.rebalanceTimeoutMs).toBe(1_000);
  });
});

function partitionCommit(partitionIndex: number, committedOffset: number) {
  return {
    partitionIndex,
    committedOffset,
    committedLeaderEpoch: -1,
    commitTimestamp: -1,
    committedMetadata: null,
  };
}
