/**
 * run()'s loop: takes current chunks (consumer-delivery.ts) and hands them to the
 * application, one message per eachMessage call or one chunk per eachBatch call.
 *
 * A message counts as processed when its handler resolves: the partition's position moves
 * past it, unless the partition was sought meanwhile (PartitionState.processed). A chunk's
 * handling stops at the next message when its partition's epoch changed (a seek, a pause, a
 * revocation) or the consumer closed. Each handler call runs inside the gate's begin() / end(),
 * so a rebalance waits for it; the next call waits while the gate is closed.
 */

import { type DeliveryContext, decodeChunk, nextChunk } from './consumer-delivery.js';
import type { ConsumerMessage } from './consumer-message.js';
import type { FetchedChunk } from './fetcher.js';

/** One partition's messages from one fetch, for run({ eachBatch }). */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  /** The partition's high watermark when it was fetched. */
  readonly highWatermark: number;
  readonly messages: readonly ConsumerMessage[];
  /** Marks messages up to `offset` processed, for a handler that fails partway. */
  resolveOffset(offset: number): void;
}

export interface RunOptions {
  eachMessage?: (message: ConsumerMessage) => void | Promise<void>;
  eachBatch?: (batch: MessageBatch) => void | Promise<void>;
}

/**
 * Delivers until the consumer closes (resolves) or fails (rejects with its failure); a
 * handler that throws rejects with its error. Takes exactly one of eachMessage and eachBatch.
 */
export async function runHandlers(context: DeliveryContext, options: RunOptions): Promise<void> {
  const { eachMessage, eachBatch } = options;
  for (;;) {
    const chunk = await nextChunk(context);
    if (chunk === undefined) {
      const failure = context.failure();
      if (failure !== null) throw failure;
      if (context.isClosed()) return;
      continue;
    }
    if (eachBatch !== undefined) await deliverBatch(context, chunk, eachBatch);
    else if (eachMessage !== undefined) await deliverMessages(context, chunk, eachMessage);
  }
}

async function deliverMessages(
  context: DeliveryContext,
  chunk: FetchedChunk,
  eachMessage: NonNullable<RunOptions['eachMessage']>,
): Promise<void> {
  const { gate, buffer } = context;
  const { state, epoch } = chunk;
  try {
    const messages = decodeChunk(chunk);
    for (const message of messages) {
      while (gate.closed && !context.isClosed()) await gate.opened();
      if (state.epoch !== epoch || context.isClosed()) return;
      const seeks = state.seeks;
      gate.begin();
      try {
        await eachMessage(message);
      } finally {
        gate.end();
      }
      state.processed(message.offset, seeks);
    }
    if (state.epoch === epoch) state.position = chunk.nextOffset;
  } finally {
    buffer.release(chunk);
  }
}

async function deliverBatch(
  context: DeliveryContext,
  chunk: FetchedChunk,
  eachBatch: NonNullable<RunOptions['eachBatch']>,
): Promise<void> {
  const { gate, buffer } = context;
  const { state, epoch } = chunk;
  try {
    const messages = decodeChunk(chunk);
    if (messages.length > 0) {
      const seeks = state.seeks;
      const batch: MessageBatch = {
        topic: state.topic,
        partition: state.partition,
        highWatermark: chunk.highWatermark,
        messages,
        resolveOffset(offset: number) {
          if (offset >= state.position) state.processed(offset, seeks);
        },
      };
      gate.begin();
      try {
        await eachBatch(batch);
      } finally {
        gate.end();
      }
      state.processed(chunk.nextOffset - 1, seeks);
      return;
    }
    if (state.epoch === epoch) state.position = chunk.nextOffset;
  } finally {
    buffer.release(chunk);
  }
}
