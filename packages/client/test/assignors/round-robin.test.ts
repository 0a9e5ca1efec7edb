// Proves the round-robin assignor matches Java's RoundRobinAssignor: partitions sorted by
// topic then number dealt in member order, skipping members not subscribed to the topic.
import { describe, expect, it } from 'vitest';
import { roundRobinAssignor } from '../../src/assignors/index.js';
import { member, plain } from './assignor-fixtures.js';

describe('round-robin assignor', () => {
  it('deals partitions of all topics in order, cycling over the members', () => {
    const members = [member('b', ['t1', 't2']), member('a', ['t1', 't2'])];
    const assignment = roundRobinAssignor.assign(
      members,
      new Map([
        ['t2', 2],
        ['t1', 3],
      ]),
    );
    // t1-0 a, t1-1 b, t1-2 a, t2-0 b, t2-1 a
    expect(plain(assignment)).toEqual({ a: { t1: [0, 2], t2: [1] }, b: { t1: [1], t2: [0] } });
  });

  it("skips members that do not subscribe to a topic (Java's example)", () => {
    // KafkaConsumer docs: C0 [t0], C1 [t0, t1], C2 [t0, t1, t2]; t0 1, t1 2, t2 3 partitions.
    const members = [
      member('C0', ['t0']),
      member('C1', ['t0', 't1']),
      member('C2', ['t0', 't1', 't2']),
    ];
    const assignment = roundRobinAssignor.assign(
      members,
      new Map([
        ['t0', 1],
        ['t1', 2],
        ['t2', 3],
      ]),
    );
    expect(plain(assignment)).toEqual({
      C0: { t0: [0] },
      C1: { t1: [0] },
      C2: { t1: [1], t2: [0, 1, 2] },
    });
  });
});
