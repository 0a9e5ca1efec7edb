// Proves spreadOf quotes the middle value (the mean of the middle two for an even count) and the
// extremes whatever the input order, and refuses an empty list as a bug of the caller.
import { describe, expect, it } from 'vitest';
import { spreadOf } from '../sample-stats.js';

describe('spreadOf', () => {
  it('takes the middle of an odd count, unsorted', () => {
    expect(spreadOf([5, 1, 9, 3, 7])).toEqual({ median: 5, min: 1, max: 9 });
  });

  it('averages the middle two of an even count', () => {
    expect(spreadOf([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('does not reorder the caller array', () => {
    const values = [3, 1, 2];
    spreadOf(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('asserts on no values', () => {
    expect(() => spreadOf([])).toThrow(/no values/);
  });
});
