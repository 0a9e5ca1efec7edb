/**
 * Fetch: whole raw batches from the segment files, as they are stored; no record is decoded.
 *
 * Each partition reads from its fetch offset up to its partitionMaxBytes, and the response up
 * to maxBytes; the first partition with data always gets at least one whole batch (KIP-74),
 * later ones stop when the response budget is spent. When the response holds fewer than
 * minBytes, the fetch waits (long poll) until an append to one of its partitions, maxWaitMs,
 * or shutdown, then reads once more. Fetch sessions are answered sessionless (id 0).
 * Reads go into pooled buffers (network/buffer-pool.ts), given back once the response is written.
 */
import type { PartitionLog } from '@cairn/log';
import {
  ErrorCode,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartition,
  fetchApi,
  isKafkaError,
} from '@cairn/protocol';
import { fetchBytesMax, fetchWaitMsMax } from '../constants.js';
import type { ApiHandler } from '../dispatcher.js';
import { countFetched } from '../metrics/batch-records.js';
import type { BufferLease, BufferPool } from '../network/buffer-pool.js';
import type { PartitionWaiters } from '../partition-waiters.js';
import type { BrokerProbe } from '../probe.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export interface FetchDeps {
  readonly registry: TopicRegistry;
  readonly waiters: PartitionWaiters<PartitionLog>;
  readonly probe: BrokerProbe;
  readonly buffers: BufferPool;
  /** Aborted when the broker shuts down, so long polls answer at once. */
  readonly shutdownSignal: AbortSignal;
}

export function createFetchHandler(deps: FetchDeps): ApiHandler<FetchRequest, FetchResponse> {
  return {
    api: fetchApi,
    async handle(request, context) {
      const deadline = Date.now() + Math.min(Math.max(request.maxWaitMs, 0), fetchWaitMsMax);
      for (;;) {
        const lease = deps.buffers.lease();
        const { response, bytes, hasError } = await readAll(deps, request, lease);
        const remainingMs = deadline - Date.now();
        const done =
          bytes >= request.minBytes || hasError || remainingMs <= 0 || deps.shutdownSignal.aborted;
        if (done) {
          deps.probe.bytesFetched += bytes;
          if (bytes > 0) countFetched(deps.probe, response.responses);
          context.onResponseWritten(() => lease.release());
          return response;
        }
        lease.release(); // this read's response is dropped: nothing refers to its buffers
        await deps.waiters.wait(
          watchedLogs(deps.registry, request),
          remainingMs,
          deps.shutdownSignal,
        );
      }
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: 0,
      responses: request.topics.map((topic) => ({
        topic: topic.topic,
        partitions: topic.partitions.map((partition) =>
          emptyPartition(partition.partition, errorCode),
        ),
      })),
    }),
  };
}

interface ReadAllResult {
  response: FetchResponse;
  bytes: number;
  hasError: boolean;
}

async function readAll(
  deps: FetchDeps,
  request: FetchRequest,
  lease: BufferLease,
): Promise<ReadAllResult> {
  let budget = Math.min(request.maxBytes > 0 ? request.maxBytes : fetchBytesMax, fetchBytesMax);
  let bytes = 0;
  let hasError = false;
  const responses = [];
  for (const topic of request.topics) {
    const partitions: FetchResponsePartition[] = [];
    for (const { partition, fetchOffset, partitionMaxBytes } of topic.partitions) {
      const log = deps.registry.partitionLog(topic.topic, partition);
      if (log === undefined) {
        partitions.push(emptyPartition(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        hasError = true;
        continue;
      }
      // Within partitionMaxBytes and what is left of maxBytes; until a partition has data, at
      // least one whole batch (KIP-74). After the budget is spent, partitions answer with no
      // records (bytes 0) but their offsets.
      const maxBytes = Math.min(partitionMaxBytes, budget);
      const read = await readPartition(
        log,
        { partition, fetchOffset, maxBytes, lease },
        bytes === 0,
      );
      if (read.errorCode !== ErrorCode.NONE) hasError = true;
      const length = read.records?.length ?? 0;
      bytes += length;
      budget = Math.max(budget - length, 0);
      partitions.push(read);
    }
    responses.push({ topic: topic.topic, partitions });
  }
  const response = { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses };
  return { response, bytes, hasError };
}

interface PartitionRead {
  partition: number;
  fetchOffset: number;
  maxBytes: number;
  lease: BufferLease;
}

async function readPartition(
  log: PartitionLog,
  { partition: partitionIndex, fetchOffset, maxBytes, lease }: PartitionRead,
  minOneBatch: boolean,
): Promise<FetchResponsePartition> {
  const offsets = {
    highWatermark: log.highWatermark,
    lastStableOffset: log.highWatermark,
    logStartOffset: log.logStartOffset,
  };
  if (maxBytes <= 0 || fetchOffset === log.highWatermark) {
    return { ...emptyPartition(partitionIndex, ErrorCode.NONE), ...offsets };
  }
  try {
    const read = await log.read(fetchOffset, maxBytes, log.highWatermark, lease);
    // The log returns at least one batch; past the first partition with data, one that does
    // not fit is left for a later fetch, as Kafka does (minOneMessage = false).
    const fits = minOneBatch || read.records.length <= maxBytes;
    return {
      ...emptyPartition(partitionIndex, ErrorCode.NONE),
      highWatermark: read.highWatermark,
      lastStableOffset: read.highWatermark,
      logStartOffset: read.logStartOffset,
      records: fits ? read.records : noRecords,
    };
  } catch (error) {
    if (!isKafkaError(error)) throw error;
    return { ...emptyPartition(partitionIndex, error.errorCode), ...offsets };
  }
}

/** Kafka answers "no records" with an empty record set, never null (librdkafka refuses -1). */
const noRecords = Buffer.alloc(0);

function emptyPartition(partitionIndex: number, errorCode: number): FetchResponsePartition {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: noRecords,
  };
}

function watchedLogs(registry: TopicRegistry, request: FetchRequest): PartitionLog[] {
  const logs: PartitionLog[] = [];
  for (const topic of request.topics) {
    for (const { partition } of topic.partitions) {
      const log = registry.partitionLog(topic.topic, partition);
      if (log !== undefined) logs.push(log);
    }
  }
  return logs;
}
