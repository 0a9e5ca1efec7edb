// Proves the quota building blocks on their own, with a manual clock: the byte-rate token
// bucket throttles exactly the debt's worth and forgets the least recent client past its
// bound; the disk budget refuses by the data dir's and the topic's limits; the in-flight
// budget wakes the connections that waited for room once, when room returns.
import type { Clock } from '@cairn/log';
import { describe, expect, it } from 'vitest';
import { DiskBudget } from '../../src/quotas/disk-budget.js';
import { DiskUsage } from '../../src/quotas/disk-usage.js';
import { InflightBudget } from '../../src/quotas/inflight-budget.js';
import { ProducerByteRate } from '../../src/quotas/producer-byte-rate.js';

function manualClock(start = 1_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

describe('ProducerByteRate', () => {
  const options = { burstSeconds: 1, throttleTimeMsMax: 10_000, clientsMax: 2 };

  it('lets a burst through, then throttles for the time the rate takes to repay the debt', () => {
    const clock = manualClock();
    const rate = new ProducerByteRate({ ...options, bytesPerSecond: 1_000, clock });
    expect(rate.record('a', 1_000)).toBe(0);
    expect(rate.record('a', 500)).toBe(500);
    expect(rate.waitMs('a')).toBe(500);
    clock.advance(250);
    expect(rate.waitMs('a')).toBe(250);
    clock.advance(250);
    expect(rate.waitMs('a')).toBe(0);
    // Another client id has its own bucket.
    expect(rate.record('b', 1_000)).toBe(0);
  });

  it('caps the throttle time and the refill at the burst', () => {
    const clock = manualClock();
    const rate = new ProducerByteRate({ ...options, bytesPerSecond: 100, clock });
    expect(rate.record('a', 100_000)).toBe(10_000);
    clock.advance(10_000_000);
    expect(rate.record('a', 100)).toBe(0);
    expect(rate.record('a', 1)).toBe(10);
  });

  it('keeps at most clientsMax buckets, forgetting the least recently seen', () => {
    const clock = manualClock();
    const rate = new ProducerByteRate({ ...options, bytesPerSecond: 100, clock });
    rate.record('a', 300);
    rate.record('b', 300);
    rate.record('a', 0);
    rate.record('c', 0);
    expect(rate.clientCount).toBe(2);
    expect(rate.waitMs('a')).toBe(2_000);
    // 'b' was forgotten and starts again with a full bucket.
    expect(rate.waitMs('b')).toBe(0);
  });

  it('does nothing when the rate is -1', () => {
    const rate = new ProducerByteRate({ ...options, bytesPerSecond: -1, clock: manualClock() });
    expect(rate.record('a', 1e12)).toBe(0);
    expect(rate.clientCount).toBe(0);
  });
});

describe('DiskBudget', () => {
  it('refuses by log.dir.bytes.max, then by topic.retained.bytes.max', () => {
    const usage = new DiskUsage();
    const budget = new DiskBudget(usage, { logDirBytesMax: 1_000, topicRetainedBytesMax: 600 });
    usage.add('a', 500);
    usage.add('b', 300);
    expect(budget.refusal('a', 100)).toBeNull();
    expect(budget.refusal('a', 101)?.limit).toBe('topic.retained.bytes.max');
    expect(budget.refusal('b', 201)?.limit).toBe('log.dir.bytes.max');
    expect(budget.refusal('b', 201)?.message).toContain('800 bytes');
    usage.add('a', -500);
    expect(budget.refusal('b', 201)).toBeNull();
  });

  it('has no limits at -1', () => {
    const usage = new DiskUsage();
    const budget = new DiskBudget(usage, { logDirBytesMax: -1, topicRetainedBytesMax: -1 });
    usage.add('a', 1e15);
    expect(budget.refusal('a', 1e15)).toBeNull();
  });
});

describe('InflightBudget', () => {
  it('wakes each waiting connection once when room returns', () => {
    const budget = new InflightBudget(100);
    let woken = 0;
    const resume = () => {
      woken += 1;
    };
    budget.acquire(150);
    expect(budget.exhausted).toBe(true);
    budget.waitForRoom(resume);
    budget.waitForRoom(resume);
    budget.release(40);
    expect(woken).toBe(0);
    budget.release(60);
    expect(woken).toBe(1);
    expect(budget.inflightBytes).toBe(50);
    expect(budget.waitCount).toBe(1);
    budget.release(50);
    expect(woken).toBe(1);
  });
});
