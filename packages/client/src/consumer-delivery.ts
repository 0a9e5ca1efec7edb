/**
 * What the two ways of consuming share (run()'s handlers: consumer-run.ts; the async
 * iterator: consumer-iterator.ts): the consumer's state they check between messages, and
 * taking the next chunk of the prefetch buffer that is still current.
 *
 * A chunk is current when it was fetched under its partition's present epoch, the partition
 * is held and not paused, and the chunk covers the position. Any other chunk is released
 * unread; a current-epoch chunk that does not cover the position (data past a message that
 * failed, say) also makes the partition fetch again from its position.
 */
import type { ConsumerGate } from './consumer-gate.js';
import type { ConsumerMessage } from './consumer-message.js';
import type { PartitionState } from './consumer-partition-state.js';
import type { FetchedChunk } from './fetcher.js';
import { decodeMessages } from './fetcher-records.js';
import type { PrefetchBuffer } from './prefetch-buffer.js';

export interface DeliveryContext {
  readonly gate: ConsumerGate;
  readonly buffer: PrefetchBuffer<FetchedChunk>;
  /** What stopped the consumer (a fatal group error, say), or null. */
  failure(): unknown;
  isClosed(): boolean;
  /** Drops what was fetched past the partition's position and fetches from there again. */
  refetchFromPosition(state: PartitionState): void;
}

/**
 * The next chunk that is still current, or undefined when the loop should look at the
 * consumer's state first (closed, failed, a rebalance waiting at the gate).
 */
export async function nextChunk(context: DeliveryContext): Promise<FetchedChunk | undefined> {
  const { gate, buffer } = context;
  for (;;) {
    if (context.failure() !== null || context.isClosed()) return undefined;
    if (gate.closed) {
      await gate.opened();
      continue;
    }
    const chunk = buffer.take();
    if (chunk === undefined) {
      await buffer.waitForData();
      continue;
    }
    const state = chunk.state;
    if (chunk.epoch === state.epoch && state.assigned && !state.paused) {
      // The decoder skips records below the position, so a chunk that covers it will do.
      if (chunk.fetchOffset <= state.position && state.position < chunk.nextOffset) return chunk;
      // Data past a message that failed, say: fetch again from the position.
      context.refetchFromPosition(state);
    }
    buffer.release(chunk);
  }
}

/** The chunk's messages from the partition's position on. */
export function decodeChunk(chunk: FetchedChunk): ConsumerMessage[] {
  const messages: ConsumerMessage[] = [];
  const { state } = chunk;
  decodeMessages(state.topic, state.partition, chunk.records, state.position, messages);
  return messages;
}
