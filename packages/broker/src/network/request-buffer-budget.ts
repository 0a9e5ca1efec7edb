/**
 * The broker-wide budget of buffered request bytes: the frames being assembled on every
 * connection together (Kafka's queued.max.request.bytes memory pool). A connection's frame
 * decoder reserves a frame's declared size before it allocates it and gives it back when the
 * frame is complete (from then on the connection's in-flight limit counts it) or dropped.
 *
 * When a reservation does not fit, the connection stops reading its socket and waits here;
 * releases wake the waiters in arrival order, each once its frame fits (so a large frame is not
 * starved by smaller ones behind it, and a release costs nothing per waiter that still does
 * not fit). Nothing is refused with an
 * error: a sender is slowed, as TCP flow control slows it. A connection that waits with nothing
 * in flight still idle-times out, so frames that never complete give their bytes back in the
 * end.
 *
 * Frames of at most `smallFrameBytesMax` are always granted (and counted): small requests
 * (metadata, heartbeats, commits) keep flowing while large ones wait. A connection assembles
 * one frame at a time, so the total stays below `limitBytes + connections x smallFrameBytesMax`.
 */
import { assert } from '@cairn/protocol';
import type { FrameMemory } from './frame-decoder.js';

export type BudgetWaiter = () => void;

export class RequestBufferBudget implements FrameMemory {
  private used = 0;
  /** Waiting connections in arrival order, with the bytes each waits for. */
  private readonly waiters = new Map<BudgetWaiter, number>();

  constructor(
    readonly limitBytes: number,
    readonly smallFrameBytesMax: number,
  ) {}

  /** Bytes reserved by frames being assembled, on every connection. */
  get usedBytes(): number {
    return this.used;
  }

  /** Connections waiting for room. */
  get waiterCount(): number {
    return this.waiters.size;
  }

  tryReserve(sizeBytes: number): boolean {
    const fits = this.used + sizeBytes <= this.limitBytes;
    if (!fits && sizeBytes > this.smallFrameBytesMax) return false;
    this.used += sizeBytes;
    return true;
  }

  release(sizeBytes: number): void {
    this.used -= sizeBytes;
    assert(this.used >= 0, `request buffer budget released below 0: ${this.used}`);
    // Each woken waiter reserves synchronously (its decoder retries), so `used` is current.
    for (;;) {
      const head = this.waiters.entries().next().value;
      if (head === undefined || this.used + head[1] > this.limitBytes) return;
      this.waiters.delete(head[0]);
      head[0]();
    }
  }

  /** Calls `wake` once, when a frame of `sizeBytes` fits (the waiters before it served first). */
  waitForRoom(sizeBytes: number, wake: BudgetWaiter): void {
    this.waiters.set(wake, sizeBytes);
  }

  /** Forgets a waiter (its connection closed). */
  cancelWait(wake: BudgetWaiter): void {
    this.waiters.delete(wake);
  }
}
