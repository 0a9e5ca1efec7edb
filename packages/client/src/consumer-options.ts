/**
 * The consumer's configuration: what the application may set, with Kafka's ConsumerConfig
 * names in the comments, and the defaults (constants.ts) filled in.
 */
import { cooperativeStickyAssignor } from './assignors/cooperative-sticky.js';
import type { PartitionAssignor } from './assignors/partition-assignor.js';
import type { ClusterOptions } from './cluster.js';
import {
  autoCommitIntervalMsDefault,
  consumerRetryBackoffMsDefault,
  fetchMaxBytesDefault,
  fetchMaxWaitMsDefault,
  fetchMinBytesDefault,
  heartbeatIntervalMsDefault,
  metadataMaxAgeMsDefault,
  partitionFetchBytesDefault,
  prefetchBytesDefault,
  rebalanceTimeoutMsDefault,
  requestTimeoutMsDefault,
  sessionTimeoutMsDefault,
} from './constants.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** auto.offset.reset: where to start when there is no committed offset, or it is gone. */
export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

/** Rebalance callbacks (Java's ConsumerRebalanceListener); the consumer waits for them. */
export type PartitionsListener = (partitions: TopicPartition[]) => void | Promise<void>;

export interface ConsumerOptions {
  /** Brokers to bootstrap from ('host:port'). */
  bootstrap: string[];
  /** Connection settings (client id, timeouts, retries) for the consumer's connections. */
  clusterOptions?: Omit<ClusterOptions, 'bootstrap'>;
  /** group.id: needed to subscribe() and to commit. */
  groupId?: string;
  /** group.instance.id: a static member (KIP-345); a restart within the session keeps its place. */
  groupInstanceId?: string;
  /** partition.assignment.strategy, in order of preference. Default: cooperative-sticky. */
  assignors?: PartitionAssignor[];
  /** session.timeout.ms */
  sessionTimeoutMs?: number;
  /** max.poll.interval.ms: how long a rebalance waits for this member (rebalance timeout). */
  rebalanceTimeoutMs?: number;
  /** heartbeat.interval.ms */
  heartbeatIntervalMs?: number;
  /** enable.auto.commit: commit processed offsets every autoCommitIntervalMs, on revoke and close. */
  autoCommit?: boolean;
  /** auto.commit.interval.ms */
  autoCommitIntervalMs?: number;
  /** auto.offset.reset (default 'latest', as Kafka). */
  autoOffsetReset?: AutoOffsetReset;
  /** Shorthand for autoOffsetReset 'earliest' (kafkajs's name). */
  fromBeginning?: boolean;
  /** fetch.max.wait.ms */
  maxWaitMs?: number;
  /** fetch.min.bytes */
  minBytes?: number;
  /** fetch.max.bytes */
  maxBytes?: number;
  /** max.partition.fetch.bytes */
  partitionMaxBytes?: number;
  /** Bytes of fetched, unconsumed records held (the prefetch buffer's bound). */
  prefetchBytes?: number;
  /** request.timeout.ms for fetches (the long poll is added to it). */
  requestTimeoutMs?: number;
  /** retry.backoff.ms */
  retryBackoffMs?: number;
  /**
   * metadata.max.age.ms: how often a group member checks the partition counts of its topics
   * and rejoins when one changed (partitions added, a subscribed topic created), so the new
   * partitions are assigned. They start where autoOffsetReset says, as any partition without
   * a committed offset: with 'latest', records written to them before the rebalance are
   * skipped. Also the metadata cache's maximum age, unless clusterOptions sets its own.
   */
  metadataMaxAgeMs?: number;
  onPartitionsAssigned?: PartitionsListener;
  onPartitionsRevoked?: PartitionsListener;
  /** Partitions lost without a chance to commit (the member was fenced); default: revoked. */
  onPartitionsLost?: PartitionsListener;
}

export interface ResolvedConsumerOptions {
  groupId: string | null;
  groupInstanceId: string | null;
  assignors: PartitionAssignor[];
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  autoOffsetReset: AutoOffsetReset;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
  prefetchBytes: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  metadataMaxAgeMs: number;
}

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (options.groupInstanceId !== undefined && options.groupId === undefined) {
    throw new RangeError('groupInstanceId needs a groupId');
  }
  const resolved: ResolvedConsumerOptions = {
    groupId: options.groupId ?? null,
    groupInstanceId: options.groupInstanceId ?? null,
    assignors: options.assignors ?? [cooperativeStickyAssignor],
    sessionTimeoutMs: options.sessionTimeoutMs ?? sessionTimeoutMsDefault,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? rebalanceTimeoutMsDefault,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? heartbeatIntervalMsDefault,
    autoCommit: options.autoCommit ?? true,
    autoCommitIntervalMs: options.autoCommitIntervalMs ?? autoCommitIntervalMsDefault,
    autoOffsetReset: options.autoOffsetReset ?? (options.fromBeginning ? 'earliest' : 'latest'),
    maxWaitMs: options.maxWaitMs ?? fetchMaxWaitMsDefault,
    minBytes: options.minBytes ?? fetchMinBytesDefault,
    maxBytes: options.maxBytes ?? fetchMaxBytesDefault,
    partitionMaxBytes: options.partitionMaxBytes ?? partitionFetchBytesDefault,
    prefetchBytes: options.prefetchBytes ?? prefetchBytesDefault,
    requestTimeoutMs: options.requestTimeoutMs ?? requestTimeoutMsDefault,
    retryBackoffMs: options.retryBackoffMs ?? consumerRetryBackoffMsDefault,
    metadataMaxAgeMs: options.metadataMaxAgeMs ?? metadataMaxAgeMsDefault,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === 'number' && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`consumer option ${name} = ${value} is not an integer >= 0`);
    }
  }
  if (resolved.heartbeatIntervalMs >= resolved.sessionTimeoutMs) {
    throw new RangeError('heartbeatIntervalMs must be below sessionTimeoutMs');
  }
  if (resolved.metadataMaxAgeMs < 1) throw new RangeError('metadataMaxAgeMs must be >= 1');
  if (resolved.prefetchBytes < 1 || resolved.maxBytes < 1) {
    throw new RangeError('prefetchBytes and maxBytes must be >= 1');
  }
  return resolved;
}
