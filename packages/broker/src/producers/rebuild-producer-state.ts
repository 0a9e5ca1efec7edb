/**
 * Rebuilds a partition's producer state from its log when the partition is opened: every batch
 * from logStartOffset to logEndOffset is replayed through ProducerState.update, headers only
 * (no record is decoded), so the state equals the one the appends built before the restart.
 *
 * Bound: the whole log is read once at open. That costs a sequential read of the partition's
 * bytes, which is what Kafka avoids with producer snapshot files (`<offset>.snapshot`, written at
 * segment roll, so a restart replays only the active segment). Snapshots are the next step when
 * open time matters; until then this is the simple, always-correct rebuild. A producer whose
 * batches were all removed by retention is simply unknown afterwards, as in Kafka.
 */
import {
  assert,
  CURRENT_MAGIC,
  isControl,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  readBaseOffset,
  readBatchSizeBytes,
  readLastOffset,
  readMagic,
} from '@cairn/protocol';
import { producerStateRebuildReadBytes } from '../constants.js';
import type { ProducerState } from './producer-state.js';

/** What the rebuild needs of a partition's log (PartitionLog from '@cairn/log' has it). */
export interface ProducerStateLog {
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  /**
   * Whole batches back to back, from the one holding `offset` on, up to about `maxBytes`; at
   * least the first batch in full when `offset` < logEndOffset.
   */
  read(offset: number, maxBytes: number): Promise<{ readonly records: Buffer }>;
}

/**
 * Replays `log` into `state` (normally empty) and returns it. Concurrency: the partition takes
 * no appends until this resolves; logEndOffset is taken when it starts. Throws what log.read
 * throws.
 */
export async function rebuildProducerState(
  log: ProducerStateLog,
  state: ProducerState,
  readBytes = producerStateRebuildReadBytes,
): Promise<ProducerState> {
  const logEndOffset = log.logEndOffset;
  let offset = log.logStartOffset;
  while (offset < logEndOffset) {
    const { records } = await log.read(offset, readBytes);
    const nextOffset = replayBatches(records, offset, state);
    if (nextOffset === offset) {
      assert(records.length >= LOG_OVERHEAD, `log.read(${offset}) returned no batch`);
      readBytes = Math.max(readBytes, readBatchSizeBytes(records));
      assert(readBytes > records.length, `log.read(${offset}) returned a batch it cut short`);
    }
    offset = nextOffset;
  }
  return state;
}

/**
 * Replays the whole batches of `records` that end at or after `offset`; returns the offset
 * after the last one replayed (`offset` itself when there was none).
 */
function replayBatches(records: Buffer, offset: number, state: ProducerState): number {
  let position = 0;
  while (records.length - position >= RECORD_BATCH_OVERHEAD) {
    const sizeBytes = readBatchSizeBytes(records, position);
    if (sizeBytes > records.length - position) break;
    const baseOffset = readBaseOffset(records, position);
    assert(readMagic(records, position) === CURRENT_MAGIC, `batch at ${baseOffset}: magic not 2`);
    const lastOffset = readLastOffset(records, position);
    if (lastOffset >= offset) {
      if (!isControl(records, position)) state.update(records, baseOffset, lastOffset, position);
      offset = lastOffset + 1;
    }
    position += sizeBytes;
  }
  return offset;
}
