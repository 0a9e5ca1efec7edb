/**
 * Bytes of Produce requests read from the network and not yet answered, for the whole broker
 * (Kafka's queued.max.request.bytes, counting Produce only). While the budget is spent,
 * connections stop reading (each pauses at its next read and waits here for room), so
 * producers are slowed by TCP backpressure instead of being failed; they resume on their own
 * as appends finish and release their bytes. A frame already read is always handled, so
 * usage can pass the limit by the frames of one read per connection.
 */
export class InflightBudget {
  private usedBytes = 0;
  private waiters = new Set<() => void>();
  /** Times a connection stopped reading to wait for room (for the metrics). */
  waitCount = 0;

  /** -1 = no limit. */
  constructor(readonly bytesMax: number) {}

  get inflightBytes(): number {
    return this.usedBytes;
  }

  get exhausted(): boolean {
    return this.bytesMax >= 0 && this.usedBytes >= this.bytesMax;
  }

  acquire(sizeBytes: number): void {
    this.usedBytes += sizeBytes;
  }

  release(sizeBytes: number): void {
    this.usedBytes -= sizeBytes;
    if (this.waiters.size === 0 || this.exhausted) return;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const resume of waiters) resume();
  }

  /** Calls `resume` once, when the budget has room again. */
  waitForRoom(resume: () => void): void {
    if (this.waiters.has(resume)) return;
    this.waiters.add(resume);
    this.waitCount += 1;
  }

  forget(resume: () => void): void {
    this.waiters.delete(resume);
  }
}
