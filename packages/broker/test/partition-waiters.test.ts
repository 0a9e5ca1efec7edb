// Proves the long poll's wake-up: an append to any watched partition wakes a waiting fetch at
// once (not at its deadline) and removes it from every partition it watched; a wait with no
// append ends at its timeout; an aborted signal (shutdown) ends it, even when already aborted.
import { describe, expect, it } from 'vitest';
import { PartitionWaiters } from '../src/partition-waiters.js';

const longMs = 60_000;

describe('partition waiters', () => {
  it('wakes a waiter on the first append to any partition it watches, once', async () => {
    const waiters = new PartitionWaiters<object>();
    const [a, b] = [{}, {}];
    let woken = 0;
    const started = performance.now();
    const waiting = waiters.wait([a, b], longMs).then(() => {
      woken++;
    });
    waiters.notify(b);
    await waiting;
    expect(performance.now() - started).toBeLessThan(longMs / 2);
    waiters.notify(a); // already removed from a as well
    await Promise.resolve();
    expect(woken).toBe(1);
  });

  it('leaves waiters of other partitions waiting', async () => {
    const waiters = new PartitionWaiters<object>();
    const [a, b] = [{}, {}];
    let woken = false;
    const waiting = waiters.wait([a], longMs).then(() => {
      woken = true;
    });
    waiters.notify(b);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(woken).toBe(false);
    waiters.notifyAll();
    await waiting;
    expect(woken).toBe(true);
  });

  it('ends a wait at its timeout when nothing is appended', async () => {
    const waiters = new PartitionWaiters<object>();
    const started = performance.now();
    await waiters.wait([{}], 20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
  });

  it('ends a wait on abort, and at once when the signal is already aborted', async () => {
    const waiters = new PartitionWaiters<object>();
    const controller = new AbortController();
    const waiting = waiters.wait([{}], longMs, controller.signal);
    controller.abort();
    await waiting;
    const started = performance.now();
    await waiters.wait([{}], longMs, controller.signal);
    expect(performance.now() - started).toBeLessThan(longMs / 2);
  });
});
