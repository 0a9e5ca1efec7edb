/**
 * Producer sequence numbers (Kafka's DefaultRecordBatch.incrementSequence and
 * ProducerAppendInfo.inSequence). A producer numbers its records per partition from 0; a batch
 * carries the sequence of its first record (baseSequence) and covers lastOffsetDelta + 1
 * sequences. Sequences are int32 and wrap from 2^31 - 1 to 0, not to -2^31, so a producer never
 * runs out of them.
 */
import { assert } from '@cairn/protocol';

/** The largest sequence; the one after it is 0. */
export const sequenceMax = 0x7fff_ffff;

/** `sequence + increment` with wrap-around past sequenceMax to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  assert(
    sequence >= 0 && sequence <= sequenceMax && increment >= 0 && increment <= sequenceMax,
    `sequence ${sequence} + ${increment} out of int32 range`,
  );
  if (sequence > sequenceMax - increment) return increment - (sequenceMax - sequence) - 1;
  return sequence + increment;
}

/** The sequence of a batch's last record: Kafka's RecordBatch.lastSequence(). */
export function lastSequenceOf(baseSequence: number, lastOffsetDelta: number): number {
  return incrementSequence(baseSequence, lastOffsetDelta);
}

/** Whether a batch starting at `baseSequence` directly follows one ending at `lastSequence`. */
export function isNextSequence(lastSequence: number, baseSequence: number): boolean {
  return baseSequence === lastSequence + 1 || (baseSequence === 0 && lastSequence === sequenceMax);
}
