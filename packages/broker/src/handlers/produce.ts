/**
 * Produce, the write hot path. For each partition, top to bottom: find the log, check the one
 * batch's shape and its producer's sequence (synchronous), append (offsets are assigned in the
 * batch in place, synchronously), record the producer's batch, then wait for the write, and for
 * acks=-1 for the fsync (group commit). The handler reads only batch headers; the log's append
 * walks each record's varint lengths once (protocol/src/record-walk.ts, no allocation per
 * record) so a batch clients cannot parse is refused rather than stored, as Kafka's
 * LogValidator does; compressed batches are decompressed for that walk.
 *
 * There is no await before the appends of a request are issued, so pipelined requests on a
 * connection are appended in the order they came (connection.ts).
 */
import type { PartitionLog } from '@cairn/log';
import {
  AssertionError,
  CURRENT_MAGIC,
  ErrorCode,
  errors,
  isAssertionError,
  isKafkaError,
  kafkaError,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartition,
  produceApi,
  RECORD_BATCH_OVERHEAD,
  readBatchSizeBytes,
  readMagic,
  readRecordCount,
  validateBatch,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { PartitionWaiters } from '../partition-waiters.js';
import type { BrokerProbe } from '../probe.js';
import type { ProducerCheck, ProducerState } from '../producers/producer-state.js';
import type { ProduceQuotas } from '../quotas/produce-quotas.js';
import { isInternalTopic } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export interface ProduceDeps {
  readonly registry: TopicRegistry;
  readonly producerStateOf: (log: PartitionLog) => ProducerState;
  readonly waiters: PartitionWaiters<PartitionLog>;
  readonly probe: BrokerProbe;
  /** The disk budget and the byte-rate quota; none when absent. */
  readonly quotas?: ProduceQuotas;
}

const ACKS_NONE = 0;
const ACKS_LEADER = 1;
const ACKS_ALL = -1;

export function createProduceHandler(
  deps: ProduceDeps,
): ApiHandler<ProduceRequest, ProduceResponse> {
  return {
    api: produceApi,
    async handle(request, context) {
      const refusal = refuseRequest(request);
      if (refusal !== null) return errorResponse(request, refusal);
      const throttleTimeMs =
        deps.quotas?.throttle(context.header, requestBytes(request), context.connection) ?? 0;
      const responses = request.topicData.map((topic) => ({
        name: topic.name,
        partitionResponses: topic.partitionData.map(({ index, records }) =>
          appendPartition(deps, topic.name, index, records, request.acks),
        ),
      }));
      const settled = await Promise.all(
        responses.map(async (topic) => ({
          name: topic.name,
          partitionResponses: await Promise.all(topic.partitionResponses),
        })),
      );
      if (request.acks === ACKS_NONE) return null;
      return { responses: settled, throttleTimeMs };
    },
    errorResponse,
  };
}

/** Bytes of the request's record batches, charged to its client id's byte-rate quota. */
function requestBytes(request: ProduceRequest): number {
  let sizeBytes = 0;
  for (const topic of request.topicData) {
    for (const partition of topic.partitionData) sizeBytes += partition.records?.length ?? 0;
  }
  return sizeBytes;
}

function refuseRequest(request: ProduceRequest): number | null {
  if (request.transactionalId !== null) return ErrorCode.INVALID_REQUEST;
  const { acks } = request;
  if (acks !== ACKS_NONE && acks !== ACKS_LEADER && acks !== ACKS_ALL) {
    return ErrorCode.INVALID_REQUIRED_ACKS;
  }
  return null;
}

function errorResponse(request: ProduceRequest, errorCode: number): ProduceResponse {
  return {
    throttleTimeMs: 0,
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map(({ index }) => partitionError(index, errorCode)),
    })),
  };
}

/**
 * Starts the append synchronously; the promise settles when the acks rule is met. The HTTP
 * produce route (http/produce-routes.ts) appends through this too, so both paths share the
 * validation, producer checks, durability rule and counters.
 */
export function appendPartition(
  deps: ProduceDeps,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: number,
): Promise<ProduceResponsePartition> {
  const log = deps.registry.partitionLog(topic, index);
  if (log === undefined) {
    return Promise.resolve(partitionError(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
  }
  // Only the broker writes its internal topics (Kafka: INVALID_TOPIC_EXCEPTION).
  if (isInternalTopic(topic)) {
    return Promise.resolve(partitionError(index, ErrorCode.INVALID_TOPIC_EXCEPTION));
  }
  let written: Promise<{ logAppendTime: number }>;
  let baseOffset: number;
  let lastOffset: number;
  try {
    const batch = requireOneBatch(records);
    const producers = deps.producerStateOf(log);
    const verdict = checkProducer(producers, batch);
    if (verdict.kind === 'duplicate') {
      validateBatch(batch);
      return answerDuplicate(log, index, verdict.batch, acks);
    }
    // A retried duplicate is answered even when full: it takes no space.
    deps.quotas?.checkAppend(topic, batch.length);
    // append validates the batch (CRC included) and takes its offsets before its first await;
    // when it refuses the batch, logEndOffset does not move and the producer state stays.
    const endBefore = log.logEndOffset;
    written = log.append(batch);
    if (log.logEndOffset === endBefore) return written.then(() => unreachable(), failed(index));
    baseOffset = endBefore;
    lastOffset = log.logEndOffset - 1;
    producers.update(batch, baseOffset, lastOffset);
    const recordCount = readRecordCount(batch);
    deps.probe.bytesProduced += batch.length;
    deps.probe.recordsProduced += recordCount;
    const counters = deps.probe.topic(topic);
    counters.producedBytes += batch.length;
    counters.producedRecords += recordCount;
  } catch (error) {
    return Promise.resolve(partitionFailure(index, error));
  }
  return finishAppend(deps, log, index, written, baseOffset, lastOffset, acks);
}

async function finishAppend(
  deps: ProduceDeps,
  log: PartitionLog,
  index: number,
  written: Promise<{ logAppendTime: number }>,
  baseOffset: number,
  lastOffset: number,
  acks: number,
): Promise<ProduceResponsePartition> {
  try {
    const { logAppendTime } = await written;
    deps.waiters.notify(log);
    if (acks === ACKS_ALL) await log.flushedTo(lastOffset + 1);
    return {
      index,
      errorCode: ErrorCode.NONE,
      baseOffset,
      logAppendTimeMs: logAppendTime,
      logStartOffset: log.logStartOffset,
    };
  } catch (error) {
    return partitionFailure(index, error);
  }
}

/**
 * The producer check reads header fields only; when it refuses a batch that is also corrupt,
 * CORRUPT_MESSAGE wins, as in Kafka, which checks the CRC first. The CRC is computed here only
 * on that rare path; the log computes it for every batch it appends.
 */
function checkProducer(producers: ProducerState, batch: Buffer): ProducerCheck {
  try {
    return producers.check(batch);
  } catch (error) {
    validateBatch(batch);
    throw error;
  }
}

function failed(index: number) {
  return (error: unknown) => partitionFailure(index, error);
}

function unreachable(): never {
  throw new AssertionError('an append that took no offsets resolved');
}

async function answerDuplicate(
  log: PartitionLog,
  index: number,
  original: { baseOffset: number; lastOffset: number },
  acks: number,
): Promise<ProduceResponsePartition> {
  if (acks === ACKS_ALL) await log.flushedTo(original.lastOffset + 1);
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset: original.baseOffset,
    logAppendTimeMs: -1,
    logStartOffset: log.logStartOffset,
  };
}

/** Produce v3+ carries exactly one batch per partition (Kafka's ProduceRequest.validateRecords). */
function requireOneBatch(records: Buffer | null): Buffer {
  if (records === null || records.length < RECORD_BATCH_OVERHEAD) {
    throw kafkaError('INVALID_RECORD', 'a partition must carry one whole record batch');
  }
  // Kafka's ProduceRequest.validateRecords: INVALID_RECORD, not the retriable CORRUPT_MESSAGE.
  const magic = readMagic(records);
  if (magic !== CURRENT_MAGIC) {
    throw kafkaError(
      'INVALID_RECORD',
      `produce v3+ carries record batches of magic ${CURRENT_MAGIC} only, not magic ${magic}`,
    );
  }
  const batchBytes = readBatchSizeBytes(records);
  if (batchBytes !== records.length) {
    throw kafkaError(
      batchBytes < records.length ? 'INVALID_RECORD' : 'CORRUPT_MESSAGE',
      `produce v3+ carries exactly one batch per partition: batch of ${batchBytes} bytes ` +
        `in records of ${records.length}`,
    );
  }
  return records;
}

function partitionFailure(index: number, error: unknown): ProduceResponsePartition {
  if (isAssertionError(error)) throw error;
  if (isKafkaError(error)) return partitionError(index, error.errorCode);
  // A storage failure the log did not type: the client may retry once the log is reopened.
  return partitionError(index, errors.KAFKA_STORAGE_ERROR.code);
}

function partitionError(index: number, errorCode: number): ProduceResponsePartition {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1 };
}
