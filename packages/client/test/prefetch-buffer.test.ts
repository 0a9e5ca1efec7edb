// Proves the prefetch buffer's byte bound: reservations wait for room (or, tried, are refused),
// chunks count until released, dropping frees room, and closing wakes every waiter.
import { describe, expect, it } from 'vitest';
import { PrefetchBuffer } from '../src/prefetch-buffer.js';

const chunk = (sizeBytes: number, name = '') => ({ sizeBytes, name });

describe('prefetch buffer', () => {
  it('bounds reserved plus buffered bytes, and a reservation waits for room', async () => {
    const buffer = new PrefetchBuffer<ReturnType<typeof chunk>>(1000, 200);
    const first = await buffer.reserve(700);
    expect(first).toBe(700);
    expect(await buffer.reserve(700)).toBe(300); // what is left, above the minimum
    buffer.fill(first, [chunk(600, 'a')]);
    expect(buffer.usedBytes).toBe(900);
    let granted = -1;
    const waiting = buffer.reserve(500).then((bytes) => {
      granted = bytes;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(granted).toBe(-1); // 100 free is below the 200 minimum
    buffer.cancel(300);
    await waiting;
    expect(granted).toBe(400);
    expect(buffer.usedBytes).toBe(1000);
  });

  it('reserves without waiting when there is room, and refuses (0) when there is not', () => {
    const buffer = new PrefetchBuffer<ReturnType<typeof chunk>>(1000, 200);
    expect(buffer.tryReserve(900)).toBe(900);
    expect(buffer.tryReserve(500)).toBe(0); // 100 free is below the 200 minimum
    expect(buffer.usedBytes).toBe(900);
    buffer.cancel(900);
    expect(buffer.tryReserve(500)).toBe(500);
    buffer.close();
    expect(buffer.tryReserve(100)).toBe(0);
  });

  it('keeps a taken chunk counted until it is released', async () => {
    const buffer = new PrefetchBuffer<ReturnType<typeof chunk>>(1000, 1000);
    const reservation = await buffer.reserve(1000);
    buffer.fill(reservation, [chunk(400, 'a'), chunk(400, 'b')]);
    const a = buffer.take();
    expect(a?.name).toBe('a');
    expect(buffer.usedBytes).toBe(800);
    if (a !== undefined) buffer.release(a);
    expect(buffer.usedBytes).toBe(400);
    expect(buffer.take()?.name).toBe('b');
    expect(buffer.take()).toBeUndefined();
  });

  it('frees the room of dropped chunks and wakes waiters on close', async () => {
    const buffer = new PrefetchBuffer<ReturnType<typeof chunk>>(1000, 1000);
    buffer.fill(await buffer.reserve(1000), [chunk(300, 'a'), chunk(300, 'b'), chunk(300, 'a')]);
    expect(buffer.drop((queued) => queued.name === 'a')).toBe(2);
    expect(buffer.usedBytes).toBe(300);
    expect(buffer.take()?.name).toBe('b');
    const data = buffer.waitForData();
    const space = buffer.reserve(1000);
    buffer.close();
    await data;
    expect(await space).toBe(0);
  });
});
