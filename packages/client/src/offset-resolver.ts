/**
 * Finds the starting position of partitions that do not have one: the group's committed
 * offset (OffsetFetch), else auto.offset.reset (earliest / latest, by ListOffsets); and
 * positions asked for by a time or a reset (seek to a timestamp, to the beginning, to the end,
 * OFFSET_OUT_OF_RANGE). Runs in the background: resolve() starts (or re-arms) one pass over
 * every partition whose PositionSource is not 'known', then calls onResolved so the fetcher
 * picks them up.
 *
 * A partition sought or revoked while its lookup was in flight keeps what happened last: its
 * epoch changed, so the answer is dropped. Retriable errors are retried after
 * retry.backoff.ms; others go to onError (the consumer fails).
 */
import { ErrorCode } from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import type { AutoOffsetReset } from './consumer-options.js';
import type { PartitionState, PositionSource } from './consumer-partition-state.js';
import { errorFromCode, isRetriable } from './errors.js';
import type { OffsetCommitter } from './offset-committer.js';
import { earliestOffsetTimestamp, latestOffsetTimestamp, lookupOffsets } from './offset-lookup.js';
import { sleep } from './retry.js';

export interface OffsetResolverContext {
  cluster: Cluster;
  /** null without a group: nothing is committed, the reset policy decides. */
  committer: OffsetCommitter | null;
  autoOffsetReset: AutoOffsetReset;
  retryBackoffMs: number;
  partitions(): Iterable<PartitionState>;
  isClosed(): boolean;
  onResolved(): void;
  onError(error: unknown): void;
}

/** ListOffsets for the beginning or the end of a partition. */
export function lookupFor(reset: 'earliest' | 'latest'): PositionSource {
  return {
    kind: 'lookup',
    timestamp: reset === 'earliest' ? earliestOffsetTimestamp : latestOffsetTimestamp,
  };
}

export class OffsetResolver {
  private running = false;
  private again = false;

  constructor(private readonly context: OffsetResolverContext) {}

  /** Where a partition given no offset starts: committed, else the reset policy. */
  defaultSource(): PositionSource {
    if (this.context.committer !== null) return { kind: 'committed' };
    return this.resetSource() ?? lookupFor('latest');
  }

  /** autoOffsetReset as a lookup, or null for 'none'. */
  resetSource(): PositionSource | null {
    const reset = this.context.autoOffsetReset;
    return reset === 'none' ? null : lookupFor(reset);
  }

  /** OFFSET_OUT_OF_RANGE on a fetch: reset by the policy, or fail under 'none'. */
  outOfRange(state: PartitionState): void {
    const source = this.resetSource();
    if (source === null) {
      this.context.onError(
        errorFromCode(ErrorCode.OFFSET_OUT_OF_RANGE, {
          topic: state.topic,
          partition: state.partition,
          message: `offset ${state.fetchOffset} is out of range and autoOffsetReset is 'none'`,
        }),
      );
      return;
    }
    state.resetTo(source);
    this.resolve();
  }

  /** Resolves every unknown position, in the background; calls again while running re-arm it. */
  resolve(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.resolveCommitted();
        await this.resolveLookups();
      } catch (error) {
        if (this.context.isClosed()) break;
        if (!isRetriable(error)) {
          this.context.onError(error);
          break;
        }
        this.again = true;
        await sleep(this.context.retryBackoffMs);
      }
    } while (this.again && !this.context.isClosed());
    this.running = false;
    this.context.onResolved();
  }

  private pending(kind: PositionSource['kind']): PartitionState[] {
    return [...this.context.partitions()].filter((state) => state.source.kind === kind);
  }

  private async resolveCommitted(): Promise<void> {
    const states = this.pending('committed');
    if (states.length === 0) return;
    const epochs = states.map((state) => state.epoch);
    const { committer } = this.context;
    const committed =
      committer === null ? states.map(() => -1) : await committer.fetchCommitted(states);
    states.forEach((state, index) => {
      if (!state.assigned || state.epoch !== epochs[index]) return; // sought meanwhile
      const offset = committed[index] ?? -1;
      if (offset >= 0) {
        state.seekTo(offset);
        state.committedOffset = offset;
        return;
      }
      const source = this.resetSource();
      if (source !== null) {
        state.resetTo(source);
        return;
      }
      this.context.onError(
        errorFromCode(ErrorCode.OFFSET_OUT_OF_RANGE, {
          topic: state.topic,
          partition: state.partition,
          message: "no committed offset and autoOffsetReset is 'none'",
        }),
      );
    });
  }

  private async resolveLookups(): Promise<void> {
    const states = this.pending('lookup');
    if (states.length === 0) return;
    const epochs = states.map((state) => state.epoch);
    const queries = states.map((state) => ({
      topic: state.topic,
      partition: state.partition,
      timestamp: state.source.kind === 'lookup' ? state.source.timestamp : latestOffsetTimestamp,
    }));
    const offsets = await lookupOffsets(this.context.cluster, queries);
    states.forEach((state, index) => {
      if (!state.assigned || state.epoch !== epochs[index]) return;
      const offset = offsets[index] ?? -1;
      if (offset >= 0) {
        state.seekTo(offset);
        return;
      }
      // No record at or after the time: the end of the partition, on the next pass.
      state.resetTo(lookupFor('latest'));
      this.again = true;
    });
  }
}
