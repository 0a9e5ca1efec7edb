/**
 * The state behind `for await (const message of consumer)`: the chunk being handed out, and
 * the message yielded last ("outstanding"), which counts as processed once the loop asks for
 * the next one (or at markProcessed()). From yielding a message until then the gate is held
 * (begin() / end()), as for a run() handler, so a rebalance waits for the loop body.
 *
 * Leaving the loop (break, return, a throw) or closing the consumer leaves the outstanding
 * message unprocessed (at-least-once; consumer.ts says why), gives the chunk back, and fetches
 * again from the position what the chunk held past it.
 *
 * One instance per consumer, one loop at a time (the consumer refuses a second).
 */

import { type DeliveryContext, decodeChunk, nextChunk } from './consumer-delivery.js';
import type { ConsumerMessage } from './consumer-message.js';
import type { PartitionState } from './consumer-partition-state.js';
import type { FetchedChunk } from './fetcher.js';

export interface IteratorContext extends DeliveryContext {
  /** The loop ended: the consumer may start another. */
  iterationEnded(): void;
}

/** The iterator's place: the chunk being handed out and the message last yielded. */
interface IteratorCursor {
  chunk: FetchedChunk;
  messages: ConsumerMessage[];
  index: number;
}

/** The message the iterator yielded last, and its partition's seek count at that time. */
interface OutstandingMessage {
  message: ConsumerMessage;
  state: PartitionState;
  seeks: number;
}

export class ConsumerIterator {
  private cursor: IteratorCursor | null = null;
  private outstanding: OutstandingMessage | null = null;

  constructor(private readonly context: IteratorContext) {}

  /** The iterator's next(): marks the outstanding message processed, then yields another. */
  async next(): Promise<IteratorResult<ConsumerMessage>> {
    const { gate, buffer } = this.context;
    this.acknowledgeOutstanding();
    for (;;) {
      const failure = this.context.failure();
      if (failure !== null) {
        this.end();
        throw failure;
      }
      if (this.context.isClosed()) {
        this.end();
        return { done: true, value: undefined };
      }
      if (gate.closed) {
        await gate.opened();
        continue;
      }
      const cursor = this.cursor;
      if (cursor === null) {
        const chunk = await nextChunk(this.context);
        if (chunk !== undefined) this.cursor = { chunk, messages: decodeChunk(chunk), index: 0 };
        continue;
      }
      const { chunk, messages } = cursor;
      const { state, epoch } = chunk;
      const message = messages[cursor.index];
      if (state.epoch === epoch && message !== undefined) {
        cursor.index++;
        this.outstanding = { message, state, seeks: state.seeks };
        gate.begin();
        return { done: false, value: message };
      }
      if (state.epoch === epoch) state.position = chunk.nextOffset;
      buffer.release(chunk);
      this.cursor = null;
    }
  }

  /** Counts the outstanding `message` processed now; RangeError for any other message. */
  markProcessed(message: ConsumerMessage): void {
    const outstanding = this.outstanding;
    if (outstanding === null || outstanding.message !== message) {
      throw new RangeError(
        'markProcessed() takes the message the for await loop holds, before the loop leaves',
      );
    }
    outstanding.state.processed(message.offset, outstanding.seeks);
  }

  /**
   * The loop left (break, return, an exception) or the consumer closed: the message last
   * yielded is not marked processed (at-least-once: it may not have been; markProcessed() is
   * how the application says it was), and the chunk being read is given back.
   */
  end(): void {
    this.dropOutstanding();
    if (this.cursor !== null) {
      const { state } = this.cursor.chunk;
      this.context.buffer.release(this.cursor.chunk);
      this.cursor = null;
      // What the cursor held past the position must be fetched again.
      if (state.assigned) this.context.refetchFromPosition(state);
    }
    this.context.iterationEnded();
  }

  /** Lets go of the outstanding message without marking it processed. */
  dropOutstanding(): void {
    if (this.outstanding === null) return;
    this.outstanding = null;
    this.context.gate.end();
  }

  /** The iterator came back for more: the message it had is processed. */
  private acknowledgeOutstanding(): void {
    const outstanding = this.outstanding;
    if (outstanding === null) return;
    this.outstanding = null;
    const { message, state, seeks } = outstanding;
    state.processed(message.offset, seeks);
    this.context.gate.end();
  }
}
