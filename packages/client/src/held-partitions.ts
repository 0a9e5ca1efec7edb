/**
 * The partitions the consumer holds now (given by its group or by assign()), each with its
 * PartitionState, and what the consumer answers from them: which may be fetched, which are
 * paused, how far each lags. Kafka's Java client calls this SubscriptionState.
 *
 * Removing a partition kills its state (assigned = false, a new epoch) and drops its
 * prefetched chunks, so nothing fetched for it is delivered afterwards; pausing one drops
 * what was fetched past its position, which is fetched again on resume().
 */
import type { ConsumerProtocolTopicPartitions } from '@cairn/protocol';
import type { TopicPartition } from './consumer-options.js';
import { type PartitionState, partitionKey } from './consumer-partition-state.js';
import type { FetchedChunk } from './fetcher.js';
import type { PrefetchBuffer } from './prefetch-buffer.js';

export interface PartitionLag extends TopicPartition {
  /** The next offset to process; -1 until known. */
  position: number;
  /** From the last fetch response; -1 until one came. */
  highWatermark: number;
  /** highWatermark - position, or null while either is unknown. */
  lag: number | null;
}

export class HeldPartitions {
  private readonly states = new Map<string, PartitionState>();

  constructor(private readonly buffer: PrefetchBuffer<FetchedChunk>) {}

  get(topic: string, partition: number): PartitionState | undefined {
    return this.states.get(partitionKey(topic, partition));
  }

  /** The state of a partition the application names; RangeError when it is not held. */
  held(topic: string, partition: number): PartitionState {
    const state = this.get(topic, partition);
    if (state === undefined) {
      throw new RangeError(`partition ${topic}-${partition} is not assigned to this consumer`);
    }
    return state;
  }

  add(state: PartitionState): void {
    this.states.set(state.key, state);
  }

  values(): IterableIterator<PartitionState> {
    return this.states.values();
  }

  all(): PartitionState[] {
    return [...this.states.values()];
  }

  *fetchable(): Iterable<PartitionState> {
    for (const state of this.states.values()) if (state.isFetchable) yield state;
  }

  /** Forgets `states`: their buffered chunks are dropped and late answers for them ignored. */
  remove(states: readonly PartitionState[]): void {
    for (const state of states) {
      state.assigned = false;
      state.epoch++;
      this.states.delete(state.key);
      this.dropBuffered(state);
    }
  }

  /** Drops the chunks of `state` waiting in the prefetch buffer. */
  dropBuffered(state: PartitionState): void {
    this.buffer.drop((chunk) => chunk.state === state);
  }

  /** Stops fetching and delivering these partitions; buffered data is dropped. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.held(topic, partition);
      state.paused = true;
      state.refetchFromPosition();
      this.dropBuffered(state);
    }
  }

  /** The caller wakes the fetcher: the partitions are fetchable again. */
  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      this.held(topic, partition).paused = false;
    }
  }

  topicPartitions(): TopicPartition[] {
    return this.all().map(({ topic, partition }) => ({ topic, partition }));
  }

  paused(): TopicPartition[] {
    return this.all()
      .filter((state) => state.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Grouped by topic, as the consumer protocol's subscription carries them. */
  byTopic(): ConsumerProtocolTopicPartitions[] {
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.states.values()) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /** Per partition: the high watermark of the last fetch minus the position. */
  lag(): PartitionLag[] {
    return this.all().map((state) => ({
      topic: state.topic,
      partition: state.partition,
      position: state.position,
      highWatermark: state.highWatermark,
      lag:
        state.position >= 0 && state.highWatermark >= 0 && state.source.kind === 'known'
          ? Math.max(0, state.highWatermark - state.position)
          : null,
    }));
  }
}
