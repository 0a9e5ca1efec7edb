/**
 * What the consumer knows about one partition it has been given (by its group or by
 * assign()). Two offsets move independently:
 *
 *   position     the next offset to hand to the application; it advances when a handler
 *                succeeds (at-least-once), and it is what commit() commits
 *   fetchOffset  the next offset to fetch; it runs ahead of position by what is prefetched
 *
 * `epoch` is bumped whenever buffered data for the partition becomes wrong (seek, pause,
 * revocation, an offset reset): chunks fetched under an older epoch are dropped unread.
 */
export type PositionSource =
  /** Resolved: `position` is valid. */
  | { kind: 'known' }
  /** The group's committed offset, else the reset policy. */
  | { kind: 'committed' }
  /** ListOffsets for this timestamp (or -1 latest, -2 earliest). */
  | { kind: 'lookup'; timestamp: number };

export class PartitionState {
  position = -1;
  fetchOffset = -1;
  epoch = 0;
  /**
   * Bumped when the position is moved (a seek, a reset), not when data is only refetched: a
   * handler that finishes after a seek must not move the position past its message.
   */
  seeks = 0;
  paused = false;
  /** False once the partition is revoked or unassigned; its state is then dead. */
  assigned = true;
  /** From the last fetch response; -1 until one came. */
  highWatermark = -1;
  /** The last offset this consumer committed for the partition (-1: none yet). */
  committedOffset = -1;
  source: PositionSource;

  constructor(
    readonly topic: string,
    readonly partition: number,
    source: PositionSource,
  ) {
    this.source = source;
  }

  get key(): string {
    return partitionKey(this.topic, this.partition);
  }

  /** Whether the fetcher may ask for this partition now. */
  get isFetchable(): boolean {
    return this.assigned && !this.paused && this.source.kind === 'known';
  }

  /** Moves position and fetchOffset to `offset`; buffered chunks become stale. */
  seekTo(offset: number): void {
    this.position = offset;
    this.fetchOffset = offset;
    this.source = { kind: 'known' };
    this.epoch++;
    this.seeks++;
  }

  /** Drops what was fetched ahead of the position and fetches from there again. */
  refetchFromPosition(): void {
    this.fetchOffset = this.position;
    this.epoch++;
  }

  /** Asks for the position to be looked up (committed offset or ListOffsets) again. */
  resetTo(source: PositionSource): void {
    this.source = source;
    this.epoch++;
    this.seeks++;
  }

  /** A handler finished `offset`: the position moves past it unless it was moved meanwhile. */
  processed(offset: number, seeks: number): void {
    if (this.seeks === seeks && this.assigned) this.position = offset + 1;
  }
}

export function partitionKey(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}
