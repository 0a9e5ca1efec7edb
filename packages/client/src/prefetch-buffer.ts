/**
 * The consumer's bounded prefetch buffer: fetched chunks (one partition's records from one
 * fetch response) wait here, in arrival order, until the application consumes them. Its
 * bound is in bytes and covers everything fetched and not yet consumed:
 *
 *   usedBytes = reservedBytes (fetches in flight, at their maxBytes)
 *             + bufferedBytes (chunks queued, and the chunks being consumed until released)
 *
 * A fetcher reserves room before it sends a fetch and asks the broker for no more than it
 * reserved, so usedBytes stays within bytesMax. The one exception is Kafka's rule that a
 * fetch returns the first batch whole even when it is larger than the request's limit: then
 * usedBytes may pass bytesMax by less than one batch, and no fetch is sent until it drops.
 *
 * Single-threaded by construction (one event loop); waiters are woken in FIFO order. The
 * number of waiters is bounded by the callers: one per broker fetcher plus one consumer.
 */
import { assert } from '@cairn/protocol';

export interface SizedChunk {
  readonly sizeBytes: number;
}

export class PrefetchBuffer<Chunk extends SizedChunk> {
  private readonly queue: Chunk[] = [];
  private queueHead = 0;
  private bufferedBytes = 0;
  private reservedBytes = 0;
  private spaceWaiters: Array<() => void> = [];
  private dataWaiters: Array<() => void> = [];
  private closed = false;

  /**
   * @param bytesMax the bound on usedBytes
   * @param reserveBytesMin a fetcher waits until at least this much is free (or everything,
   *   when bytesMax is smaller), so that it never sends fetches too small to be worth it
   */
  constructor(
    readonly bytesMax: number,
    private readonly reserveBytesMin: number,
  ) {
    assert(Number.isSafeInteger(bytesMax) && bytesMax > 0, `prefetch bytesMax ${bytesMax}`);
  }

  get usedBytes(): number {
    return this.bufferedBytes + this.reservedBytes;
  }

  get queuedCount(): number {
    return this.queue.length - this.queueHead;
  }

  /**
   * Waits for room and reserves up to `wantedBytes` (>= 1) for a fetch; resolves
   * with the bytes reserved, or 0 once the buffer is closed. Pair with fill() or cancel().
   */
  async reserve(wantedBytes: number): Promise<number> {
    for (;;) {
      const grantedBytes = this.tryReserve(wantedBytes);
      if (grantedBytes > 0 || this.closed) return grantedBytes;
      await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
    }
  }

  /**
   * reserve() without waiting: the bytes reserved, or 0 when there is not room enough now
   * (or the buffer is closed). It lets a fetcher send its next fetch in the same turn as it
   * queued the last one's chunks, before the consumer wakes up to process them.
   */
  tryReserve(wantedBytes: number): number {
    assert(Number.isSafeInteger(wantedBytes) && wantedBytes > 0, `prefetch reserve ${wantedBytes}`);
    const neededBytes = Math.max(Math.min(wantedBytes, this.reserveBytesMin, this.bytesMax), 1);
    if (this.closed || this.bytesMax - this.usedBytes < neededBytes) return 0;
    const grantedBytes = Math.min(wantedBytes, this.bytesMax - this.usedBytes);
    this.reservedBytes += grantedBytes;
    return grantedBytes;
  }

  /** Queues the chunks a fetch brought in place of its reservation, which ends. */
  fill(reservationBytes: number, chunks: readonly Chunk[]): void {
    this.endReservation(reservationBytes);
    if (this.closed) return;
    for (const chunk of chunks) {
      this.queue.push(chunk);
      this.bufferedBytes += chunk.sizeBytes;
    }
    if (chunks.length > 0) this.wakeData();
    this.wakeSpace();
  }

  /** Ends a reservation whose fetch failed or was discarded. */
  cancel(reservationBytes: number): void {
    this.endReservation(reservationBytes);
    this.wakeSpace();
  }

  /**
   * The oldest queued chunk, or undefined. Its bytes stay counted until release(): a chunk
   * being consumed still holds its memory.
   */
  take(): Chunk | undefined {
    if (this.queueHead === this.queue.length) return undefined;
    const chunk = this.queue[this.queueHead] as Chunk;
    this.queue[this.queueHead] = undefined as unknown as Chunk;
    this.queueHead++;
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    return chunk;
  }

  /** A taken chunk is consumed: its bytes are free again. */
  release(chunk: Chunk): void {
    this.bufferedBytes -= chunk.sizeBytes;
    assert(this.bufferedBytes >= 0, `prefetch bufferedBytes ${this.bufferedBytes} < 0`);
    this.wakeSpace();
  }

  /** Removes (and releases) the queued chunks `matches` selects; returns how many. */
  drop(matches: (chunk: Chunk) => boolean): number {
    let kept = 0;
    let dropped = 0;
    for (let index = this.queueHead; index < this.queue.length; index++) {
      const chunk = this.queue[index] as Chunk;
      if (matches(chunk)) {
        this.bufferedBytes -= chunk.sizeBytes;
        dropped++;
      } else {
        this.queue[kept++] = chunk;
      }
    }
    this.queue.length = kept;
    this.queueHead = 0;
    if (dropped > 0) this.wakeSpace();
    return dropped;
  }

  /** Resolves when a chunk is queued, wake() is called or the buffer closes. */
  waitForData(): Promise<void> {
    if (this.closed || this.queuedCount > 0) return Promise.resolve();
    return new Promise((resolve) => this.dataWaiters.push(resolve));
  }

  /** Wakes a consumer waiting for data, so it can look at something else (stop, rebalance). */
  wake(): void {
    this.wakeData();
  }

  /** Drops everything and wakes every waiter; reserve() then resolves 0. */
  close(): void {
    this.closed = true;
    this.drop(() => true);
    this.wakeData();
    this.wakeSpace();
  }

  private endReservation(reservationBytes: number): void {
    this.reservedBytes -= reservationBytes;
    assert(this.reservedBytes >= 0, `prefetch reservedBytes ${this.reservedBytes} < 0`);
  }

  private wakeData(): void {
    const waiters = this.dataWaiters;
    this.dataWaiters = [];
    for (const wake of waiters) wake();
  }

  private wakeSpace(): void {
    const waiters = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }
}
