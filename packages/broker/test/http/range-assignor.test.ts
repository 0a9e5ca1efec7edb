// Proves the broker's range assignor cuts partitions as Kafka's RangeAssignor does: sorted
// members, contiguous ranges, the first P % C members one more, per topic, only to members
// subscribed to the topic, nothing for unknown topics or undecodable subscriptions.
import {
  decodeConsumerProtocolAssignment,
  encodeConsumerProtocolSubscription,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { assignRange } from '../../src/http/range-assignor.js';

function member(memberId: string, topics: string[]) {
  const metadata = encodeConsumerProtocolSubscription({
    version: 0,
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
  return { memberId, groupInstanceId: null, metadata };
}

describe('assignRange', () => {
  it('splits each topic into ranges over its sorted subscribers', () => {
    const counts: Record<string, number> = { a: 5, b: 2 };
    const assignments = assignRange(
      [member('m2', ['a', 'b']), member('m1', ['a']), member('m3', ['a', 'b', 'gone'])],
      (topic) => counts[topic],
    );
    const decoded = Object.fromEntries(
      assignments.map(({ memberId, assignment }) => [
        memberId,
        decodeConsumerProtocolAssignment(assignment).assignedPartitions,
      ]),
    );
    expect(decoded).toEqual({
      m1: [{ topic: 'a', partitions: [0, 1] }],
      m2: [
        { topic: 'a', partitions: [2, 3] },
        { topic: 'b', partitions: [0] },
      ],
      m3: [
        { topic: 'a', partitions: [4] },
        { topic: 'b', partitions: [1] },
      ],
    });
  });

  it('gives nothing to a member whose subscription does not decode', () => {
    const broken = { memberId: 'x', groupInstanceId: null, metadata: Buffer.from([0, 0, 0]) };
    const [assignment] = assignRange([broken], () => 3);
    expect(decodeConsumerProtocolAssignment(assignment!.assignment).assignedPartitions).toEqual([]);
  });
});
