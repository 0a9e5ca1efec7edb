// Proves which closed segments retention deletes: a prefix only, by retention.ms, by
// retention.bytes and below logStartOffset, and none by time or size under compact alone.
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, type LogConfig } from '../src/config.js';
import { planRetention, type RetentionCandidate } from '../src/retention.js';

const segments: RetentionCandidate[] = [
  { baseOffset: 0, sizeBytes: 100, largestTimestamp: 1_000, nextBaseOffset: 10 },
  { baseOffset: 10, sizeBytes: 100, largestTimestamp: 5_000, nextBaseOffset: 20 },
  { baseOffset: 20, sizeBytes: 100, largestTimestamp: 2_000, nextBaseOffset: 30 },
];

function plan(config: Partial<LogConfig>, now = 10_000, logStartOffset = 0) {
  return planRetention(segments, {
    config: { ...defaultLogConfig, retentionMs: -1, ...config },
    now,
    logSizeBytes: 350,
    logStartOffset,
  });
}

describe('planRetention', () => {
  it('deletes nothing without limits', () => {
    expect(plan({}).deleteCount).toBe(0);
  });

  it('deletes by retention.ms only while every older segment goes too', () => {
    expect(plan({ retentionMs: 6_000 })).toEqual({ deleteCount: 1, reasons: ['retention.ms'] });
    expect(plan({ retentionMs: 4_000 }).deleteCount).toBe(3);
  });

  it('deletes by retention.bytes while the log stays at least that big', () => {
    expect(plan({ retentionBytes: 200 })).toEqual({
      deleteCount: 1,
      reasons: ['retention.bytes'],
    });
    expect(plan({ retentionBytes: 0 }).deleteCount).toBe(3);
  });

  it('deletes segments wholly below logStartOffset under any policy', () => {
    expect(plan({ cleanupPolicy: 'compact', retentionBytes: 0 }, 10_000, 20)).toEqual({
      deleteCount: 2,
      reasons: ['logStartOffset', 'logStartOffset'],
    });
    expect(plan({}, 10_000, 19).deleteCount).toBe(1);
  });
});
