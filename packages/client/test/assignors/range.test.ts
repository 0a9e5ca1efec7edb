// Proves the range assignor matches Java's RangeAssignor: consecutive ranges per topic, extras
// to the first members in Kafka's member order (static members by instance id first).
import { describe, expect, it } from 'vitest';
import { rangeAssignor } from '../../src/assignors/index.js';
import { member, plain } from './assignor-fixtures.js';

describe('range assignor', () => {
  it('gives consecutive ranges, the extras to the first members', () => {
    const members = [member('c', ['t']), member('a', ['t']), member('b', ['t'])];
    const assignment = rangeAssignor.assign(members, new Map([['t', 7]]));
    expect(plain(assignment)).toEqual({
      a: { t: [0, 1, 2] },
      b: { t: [3, 4] },
      c: { t: [5, 6] },
    });
  });

  it('ranges each topic separately, only among its subscribers', () => {
    const members = [member('a', ['t1', 't2']), member('b', ['t1'])];
    const assignment = rangeAssignor.assign(
      members,
      new Map([
        ['t1', 3],
        ['t2', 2],
      ]),
    );
    expect(plain(assignment)).toEqual({ a: { t1: [0, 1], t2: [0, 1] }, b: { t1: [2] } });
  });

  it('orders static members by instance id before dynamic ones', () => {
    const members = [
      member('a', ['t']),
      member('z', ['t'], { groupInstanceId: 'i-2' }),
      member('y', ['t'], { groupInstanceId: 'i-1' }),
    ];
    const assignment = rangeAssignor.assign(members, new Map([['t', 3]]));
    expect(plain(assignment)).toEqual({ y: { t: [0] }, z: { t: [1] }, a: { t: [2] } });
  });

  it('gives an empty entry to members with nothing, and ignores unknown topics', () => {
    const members = [member('a', ['t', 'missing']), member('b', ['t'])];
    const assignment = rangeAssignor.assign(members, new Map([['t', 1]]));
    expect(plain(assignment)).toEqual({ a: { t: [0] }, b: {} });
  });
});
