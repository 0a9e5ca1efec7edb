// Proves sequence arithmetic wraps from 2^31 - 1 to 0 as Kafka's incrementSequence does.
import { describe, expect, it } from 'vitest';
import {
  incrementSequence,
  isNextSequence,
  lastSequenceOf,
  sequenceMax,
} from '../../src/producers/sequence.js';

describe('sequence', () => {
  it('adds without wrapping below the maximum', () => {
    expect(incrementSequence(0, 0)).toBe(0);
    expect(incrementSequence(10, 5)).toBe(15);
    expect(incrementSequence(sequenceMax - 5, 5)).toBe(sequenceMax);
  });

  it('wraps past 2^31 - 1 to 0, not to -2^31', () => {
    expect(incrementSequence(sequenceMax, 1)).toBe(0);
    expect(incrementSequence(sequenceMax - 1, 3)).toBe(1);
    expect(lastSequenceOf(sequenceMax, 0)).toBe(sequenceMax);
    expect(lastSequenceOf(sequenceMax - 2, 9)).toBe(6);
  });

  it('knows which sequence comes next, across the wrap', () => {
    expect(isNextSequence(4, 5)).toBe(true);
    expect(isNextSequence(4, 6)).toBe(false);
    expect(isNextSequence(4, 4)).toBe(false);
    expect(isNextSequence(sequenceMax, 0)).toBe(true);
    expect(isNextSequence(sequenceMax - 1, 0)).toBe(false);
  });
});
