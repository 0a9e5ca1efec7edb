// Proves the cooperative-sticky assignor balances, keeps owners' partitions, and moves a
// partition in two phases (withheld while its previous owner still holds it, then handed
// over), by running successive rebalances the way a group would.
import { decodeConsumerProtocolSubscription } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { memberGenerationId } from '../../src/assignors/cooperative-sticky.js';
import {
  type AssignorMember,
  cooperativeStickyAssignor,
  type GroupAssignment,
} from '../../src/assignors/index.js';
import { counts, member, partitionOwners, plain } from './assignor-fixtures.js';

const topics = new Map([['t', 6]]);

/** Members as they would rejoin after `assignment`: owning what they were given. */
function rejoin(
  assignment: GroupAssignment,
  generationId: number,
  extra: AssignorMember[] = [],
): AssignorMember[] {
  const members = [...assignment].map(([memberId, owned]) =>
    member(memberId, ['t'], {
      owned: Object.fromEntries(owned.map(({ topic, partitions }) => [topic, partitions])),
      generationId,
    }),
  );
  return [...members, ...extra];
}

describe('cooperative-sticky assignor', () => {
  it('balances a fresh group', () => {
    const assignment = cooperativeStickyAssignor.assign(
      [member('a', ['t']), member('b', ['t']), member('c', ['t']), member('d', ['t'])],
      topics,
    );
    expect(counts(assignment).sort()).toEqual([1, 1, 2, 2]);
    expect(partitionOwners(assignment).size).toBe(6);
  });

  it('keeps existing owners and moves a partition in two phases when a member joins', () => {
    const first = cooperativeStickyAssignor.assign(
      [member('a', ['t']), member('b', ['t'])],
      topics,
    );
    expect(plain(first)).toEqual({ a: { t: [0, 2, 4] }, b: { t: [1, 3, 5] } });

    // c joins: a and b keep two each; 4 and 5 move, so they are withheld (not given to c yet).
    const second = cooperativeStickyAssignor.assign(rejoin(first, 1, [member('c', ['t'])]), topics);
    expect(plain(second)).toEqual({ a: { t: [0, 2] }, b: { t: [1, 3] }, c: {} });

    // a and b revoked 4 and 5 and rejoin: now c receives them, nobody else changes.
    const third = cooperativeStickyAssignor.assign(rejoin(second, 2), topics);
    expect(plain(third)).toEqual({ a: { t: [0, 2] }, b: { t: [1, 3] }, c: { t: [4, 5] } });

    // A stable group gets the same assignment again.
    expect(plain(cooperativeStickyAssignor.assign(rejoin(third, 3), topics))).toEqual(plain(third));
  });

  it("gives a departed member's partitions out at once (no owner left to revoke them)", () => {
    const members = [
      member('a', ['t'], { owned: { t: [0, 1] }, generationId: 4 }),
      member('b', ['t'], { owned: { t: [2, 3] }, generationId: 4 }),
    ];
    const assignment = cooperativeStickyAssignor.assign(members, topics);
    expect(plain(assignment)).toEqual({ a: { t: [0, 1, 4] }, b: { t: [2, 3, 5] } });
  });

  it('trusts the higher generation when two members claim a partition', () => {
    const members = [
      member('a', ['t'], { owned: { t: [0, 1, 2] }, generationId: 3 }),
      member('b', ['t'], { owned: { t: [2, 3, 4, 5] }, generationId: 5 }),
    ];
    const assignment = cooperativeStickyAssignor.assign(members, topics);
    // b owns 2 (generation 5); balancing moves b's highest partition, withheld from a.
    expect(plain(assignment)).toEqual({ a: { t: [0, 1] }, b: { t: [2, 3, 4] } });
  });

  it('never gives one partition to two members over random rebalances', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const names = ['m1', 'm2', 'm3', 'm4', 'm5'];
    let assignment: GroupAssignment = new Map();
    for (let generation = 1; generation <= 40; generation++) {
      const members = names
        .filter(() => random() < 0.7)
        .map((memberId) =>
          member(memberId, ['t'], {
            owned: { t: assignment.get(memberId)?.[0]?.partitions ?? [] },
            generationId: generation - 1,
          }),
        );
      if (members.length === 0) continue;
      const previous = partitionOwners(assignment);
      const present = new Set(members.map(({ memberId }) => memberId));
      assignment = cooperativeStickyAssignor.assign(members, topics);
      for (const [key, owners] of partitionOwners(assignment)) {
        expect(owners).toHaveLength(1);
        // Never handed to a new member while a live member still owns it.
        const before = previous.get(key)?.[0];
        if (before !== undefined && present.has(before)) expect(owners).toEqual([before]);
      }
      // The follow-up rebalance (same members, owning what they got) assigns everything.
      const settled = cooperativeStickyAssignor.assign(rejoin(assignment, generation), topics);
      expect(partitionOwners(settled).size).toBe(6);
      const settledCounts = counts(settled);
      expect(Math.max(...settledCounts) - Math.min(...settledCounts)).toBeLessThanOrEqual(1);
    }
  });

  it('carries the generation in UserData as Java does, read back when the version lacks it', () => {
    const userData = cooperativeStickyAssignor.subscriptionUserData({
      generationId: 9,
      ownedPartitions: [],
    });
    expect(userData).toEqual(Buffer.from([0, 0, 0, 9]));
    const v1 = member('a', ['t']);
    v1.subscription.userData = userData;
    expect(memberGenerationId(v1)).toBe(9);
    expect(
      decodeConsumerProtocolSubscription(Buffer.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255])),
    ).toMatchObject({ generationId: -1 });
  });
});
