/**
 * I/O failures become KAFKA_STORAGE_ERROR (retriable for the client: another broker, or this
 * one after an operator fixes the disk) naming the action and the file. Assertion failures and
 * errors that are already typed pass through unchanged: an assertion must still crash.
 */
import { isAssertionError, isKafkaError, type KafkaError, kafkaError } from '@cairn/protocol';

export function storageError(action: string, path: string, cause: unknown): Error {
  if (isAssertionError(cause) || isKafkaError(cause)) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const error: KafkaError = kafkaError('KAFKA_STORAGE_ERROR', `${action} ${path}: ${reason}`);
  error.cause = cause;
  return error;
}

/** A damaged file the log cannot repair by itself (an orphan index, an unparsable name). */
export function corruptFileError(path: string, problem: string): KafkaError {
  return kafkaError('KAFKA_STORAGE_ERROR', `${path}: ${problem}`);
}
