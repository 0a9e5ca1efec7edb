/**
 * The client's typed errors. Every failure a caller sees is a KafkaClientError: the Kafka
 * error code and name (Errors.java's, e.g. NOT_LEADER_OR_FOLLOWER), whether retrying can help,
 * and the topic and partition when there is one. Errors that happen in the client itself have
 * their own names: a timeout is REQUEST_TIMED_OUT and a lost connection NETWORK_EXCEPTION (as in
 * Kafka, both retriable); a closed client is CLIENT_CLOSED and a full producer buffer
 * BUFFER_EXHAUSTED, with code -1 since Kafka has no wire code for them.
 */
import {
  isRetriable as isRetriableCode,
  errorName as kafkaErrorName,
  errors as kafkaErrors,
} from '@cairn/protocol';

/** The code of errors that happen in the client and have no Kafka wire code. */
export const clientErrorCode = -1;

export interface ErrorContext {
  topic?: string;
  partition?: number;
  /** Replaces Kafka's generic message for the code. */
  message?: string;
  cause?: unknown;
}

export interface KafkaClientErrorOptions extends ErrorContext {
  code: number;
  errorName: string;
  retriable: boolean;
}

export class KafkaClientError extends Error {
  override name = 'KafkaClientError';
  readonly code: number;
  readonly errorName: string;
  readonly retriable: boolean;
  readonly topic?: string;
  readonly partition?: number;

  constructor(options: KafkaClientErrorOptions) {
    super(describe(options), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.errorName = options.errorName;
    this.retriable = options.retriable;
    if (options.topic !== undefined) this.topic = options.topic;
    if (options.partition !== undefined) this.partition = options.partition;
  }
}

/** A request or a connection attempt took longer than its timeout (retriable). */
export class TimeoutError extends KafkaClientError {
  override name = 'TimeoutError';
  constructor(message: string, context: Omit<ErrorContext, 'message'> = {}) {
    super({
      ...context,
      message,
      code: kafkaErrors.REQUEST_TIMED_OUT.code,
      errorName: 'REQUEST_TIMED_OUT',
      retriable: true,
    });
  }
}

/** The connection failed or closed before the answer came (retriable). */
export class ConnectionError extends KafkaClientError {
  override name = 'ConnectionError';
  constructor(message: string, context: Omit<ErrorContext, 'message'> = {}) {
    super({
      ...context,
      message,
      code: kafkaErrors.NETWORK_EXCEPTION.code,
      errorName: 'NETWORK_EXCEPTION',
      retriable: true,
    });
  }
}

/** The client (or its connection) was closed by the application (fatal). */
export class ClosedError extends KafkaClientError {
  override name = 'ClosedError';
  constructor(message: string, context: Omit<ErrorContext, 'message'> = {}) {
    super({
      ...context,
      message,
      code: clientErrorCode,
      errorName: 'CLIENT_CLOSED',
      retriable: false,
    });
  }
}

/**
 * The producer's buffer (bufferBytes) stayed full for maxBlockMs. Retriable, as Kafka's
 * BufferExhaustedException: the buffer drains as the broker acknowledges batches.
 */
export class BufferExhaustedError extends KafkaClientError {
  override name = 'BufferExhaustedError';
  constructor(message: string) {
    super({ message, code: clientErrorCode, errorName: 'BUFFER_EXHAUSTED', retriable: true });
  }
}

/**
 * Whether a retry can succeed: for a Kafka wire code, Kafka's table says; for an error, its
 * `retriable` flag (KafkaClientError, or the protocol package's KafkaError). Anything else
 * (a bug, a TypeError) is not retriable.
 */
export function isRetriable(codeOrError: unknown): boolean {
  if (typeof codeOrError === 'number') return isRetriableCode(codeOrError);
  if (typeof codeOrError !== 'object' || codeOrError === null) return false;
  return 'retriable' in codeOrError && codeOrError.retriable === true;
}

/** The typed error for a Kafka error code found in a response. */
export function errorFromCode(code: number, context: ErrorContext = {}): KafkaClientError {
  return new KafkaClientError({
    ...context,
    code,
    errorName: kafkaErrorName(code),
    retriable: isRetriableCode(code),
  });
}

export function isKafkaClientError(error: unknown): error is KafkaClientError {
  return error instanceof KafkaClientError;
}

/**
 * Codes after which the client's view of partition leadership may be wrong, so metadata is
 * refreshed before the retry (Kafka's InvalidMetadataException subclasses).
 */
const staleMetadataCodes: ReadonlySet<number> = new Set([
  kafkaErrors.UNKNOWN_TOPIC_OR_PARTITION.code,
  kafkaErrors.LEADER_NOT_AVAILABLE.code,
  kafkaErrors.NOT_LEADER_OR_FOLLOWER.code,
  kafkaErrors.REPLICA_NOT_AVAILABLE.code,
  kafkaErrors.FENCED_LEADER_EPOCH.code,
  kafkaErrors.UNKNOWN_LEADER_EPOCH.code,
  kafkaErrors.KAFKA_STORAGE_ERROR.code,
  kafkaErrors.NOT_CONTROLLER.code,
  kafkaErrors.NETWORK_EXCEPTION.code,
]);

export function callsForMetadataRefresh(code: number): boolean {
  return staleMetadataCodes.has(code);
}

/** Codes that mean the group coordinator moved or is not ready: find it again. */
const coordinatorCodes: ReadonlySet<number> = new Set([
  kafkaErrors.NOT_COORDINATOR.code,
  kafkaErrors.COORDINATOR_NOT_AVAILABLE.code,
]);

export function callsForCoordinatorLookup(code: number): boolean {
  return coordinatorCodes.has(code);
}

function describe(options: KafkaClientErrorOptions): string {
  const where =
    options.topic === undefined
      ? ''
      : options.partition === undefined
        ? ` (topic ${options.topic})`
        : ` (topic ${options.topic}, partition ${options.partition})`;
  const message = options.message ?? kafkaMessage(options.code);
  return `${options.errorName}${message === '' ? '' : `: ${message}`}${where}`;
}

function kafkaMessage(code: number): string {
  const name = kafkaErrorName(code);
  return name in kafkaErrors ? kafkaErrors[name as keyof typeof kafkaErrors].message : '';
}
