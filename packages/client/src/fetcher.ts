/**
 * The consumer's fetcher: one loop per broker that leads fetchable partitions, each keeping
 * one Fetch request in flight with every such partition in it, pipelined with the
 * application's processing (the response goes to the prefetch buffer, and the next fetch
 * leaves as soon as the buffer has room: when it has, in the same turn, before the
 * application's handler runs on what came). Fetch v4+ without a fetch session (SessionId 0,
 * SessionEpoch -1: a full request each time, as Cairn answers sessionless anyway).
 *
 * Per fetch: reserve room in the prefetch buffer, ask for at most that many bytes (and at most
 * partitionMaxBytes per partition), then for each partition answered:
 *   - records: walk the batch headers (fetcher-records.ts) to find where the next fetch
 *     starts, and queue the whole batches as one chunk; records are decoded only when the
 *     application consumes the chunk;
 *   - OFFSET_OUT_OF_RANGE: the consumer applies auto.offset.reset;
 *   - errors that call for fresh metadata (NOT_LEADER_OR_FOLLOWER, ...): refresh it, which may
 *     move the partition to another broker's loop;
 *   - any other error goes to the consumer.
 * An answer for a partition whose epoch changed while the fetch was in flight (a seek, a
 * pause, a revocation) is dropped. The partition order rotates between fetches so that a
 * response filled by the first partitions does not starve the others.
 */
import {
  ErrorCode,
  type FetchRequestPartition,
  type FetchRequestTopic,
  type FetchResponse,
  fetchApi,
} from '@cairn/protocol';
import type { Cluster } from './cluster.js';
import type { PartitionState } from './consumer-partition-state.js';
import { callsForMetadataRefresh, errorFromCode, type KafkaClientError } from './errors.js';
import { scanFetchedBatches } from './fetcher-records.js';
import type { PrefetchBuffer, SizedChunk } from './prefetch-buffer.js';
import { sleep } from './retry.js';

/** One partition's whole record batches from one fetch response. */
export interface FetchedChunk extends SizedChunk {
  readonly state: PartitionState;
  /** The partition's epoch when the fetch was sent. */
  readonly epoch: number;
  readonly fetchOffset: number;
  /** Where the next chunk starts: after the last batch, control batches included. */
  readonly nextOffset: number;
  readonly records: Buffer;
  readonly highWatermark: number;
}

export interface FetcherOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  partitionMaxBytes: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
}

export interface FetcherListener {
  fetchablePartitions(): Iterable<PartitionState>;
  /** OFFSET_OUT_OF_RANGE for the partition's current fetch offset. */
  offsetOutOfRange(state: PartitionState): void;
  partitionFailed(state: PartitionState, error: KafkaClientError): void;
}

interface SentPartition {
  readonly state: PartitionState;
  readonly epoch: number;
  readonly fetchOffset: number;
}

/** A fetch on the wire: the prefetch room it holds and what it asked for. */
interface InflightFetch {
  readonly reservation: number;
  readonly sent: readonly SentPartition[];
  readonly response: Promise<FetchResponse>;
}

export class Fetcher {
  /** Broker node ids with a running loop. A loop ends when it leads no fetchable partition. */
  private readonly loops = new Set<number>();
  private rotation = 0;
  private refreshing = false;
  private stopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly buffer: PrefetchBuffer<FetchedChunk>,
    private readonly options: FetcherOptions,
    private readonly listener: FetcherListener,
  ) {}

  /**
   * Partitions became fetchable (assigned, resumed, positioned): start the loops of their
   * leaders, and look up leaders not known yet.
   */
  wake(): void {
    if (this.stopped) return;
    let leaderUnknown = false;
    for (const state of this.listener.fetchablePartitions()) {
      const leader = this.cluster.leaderOf(state.topic, state.partition);
      if (leader < 0) leaderUnknown = true;
      else if (!this.loops.has(leader)) {
        this.loops.add(leader);
        void this.brokerLoop(leader);
      }
    }
    if (leaderUnknown) void this.refreshLeaders();
  }

  /** Stops sending fetches; a fetch in flight is dropped when it returns. */
  stop(): void {
    this.stopped = true;
  }

  private async refreshLeaders(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    const topics = new Set<string>();
    for (const state of this.listener.fetchablePartitions()) topics.add(state.topic);
    try {
      await this.cluster.refreshMetadata([...topics]);
    } catch {
      // Retried below after a pause: the cluster retries lookups itself first.
    }
    const stillUnknown = [...this.listener.fetchablePartitions()].some(
      (state) => this.cluster.leaderOf(state.topic, state.partition) < 0,
    );
    if (stillUnknown) await sleep(this.options.retryBackoffMs);
    this.refreshing = false;
    this.wake();
  }

  private partitionsLedBy(nodeId: number): PartitionState[] {
    const led: PartitionState[] = [];
    for (const state of this.listener.fetchablePartitions()) {
      if (this.cluster.leaderOf(state.topic, state.partition) === nodeId) led.push(state);
    }
    return led;
  }

  /**
   * Keeps one fetch in flight to the broker while it leads fetchable partitions. When a
   * response comes, its chunks are queued and the next fetch is written in the same turn,
   * before the consumer (woken by fill(), a microtask later) processes them: the broker's long
   * poll then overlaps the application's handler instead of following it.
   */
  private async brokerLoop(nodeId: number): Promise<void> {
    let inflight: InflightFetch | null = null;
    while (!this.stopped) {
      if (inflight === null) {
        if (this.partitionsLedBy(nodeId).length === 0) break;
        const reservation = await this.buffer.reserve(this.options.maxBytes);
        if (this.stopped || reservation === 0) {
          this.buffer.cancel(reservation);
          break;
        }
        inflight = this.send(nodeId, reservation);
        continue;
      }
      const { reservation, sent, response } = inflight;
      inflight = null;
      try {
        const answer = await response;
        if (this.stopped) {
          this.buffer.cancel(reservation);
          break;
        }
        if (answer.errorCode !== ErrorCode.NONE) throw errorFromCode(answer.errorCode);
        this.buffer.fill(reservation, this.readResponse(answer.responses, sent));
      } catch {
        this.buffer.cancel(reservation);
        if (this.stopped) break;
        // A lost connection or a failed broker: fresh metadata may point elsewhere.
        this.cluster.invalidateMetadata();
        await sleep(this.options.retryBackoffMs);
        void this.refreshLeaders();
        continue;
      }
      const next = this.buffer.tryReserve(this.options.maxBytes);
      if (next > 0) inflight = this.send(nodeId, next);
    }
    if (inflight !== null) {
      // Stopped with a fetch on the wire: its answer is of no use.
      this.buffer.cancel(inflight.reservation);
      inflight.response.catch(() => {});
    }
    this.loops.delete(nodeId);
  }

  /**
   * Sends a fetch for the partitions `nodeId` leads, within `reservation` bytes; null (and the
   * reservation given back) when it leads none now. On an open connection the request is
   * written before this returns; otherwise the cluster connects first.
   */
  private send(nodeId: number, reservation: number): InflightFetch | null {
    const partitions = this.partitionsLedBy(nodeId);
    if (partitions.length === 0) {
      this.buffer.cancel(reservation);
      return null;
    }
    const sent = this.rotate(partitions).map((state) => ({
      state,
      epoch: state.epoch,
      fetchOffset: state.fetchOffset,
    }));
    const request = this.fetchRequest(sent, reservation);
    const options = { timeoutMs: this.options.requestTimeoutMs + this.options.maxWaitMs };
    const connection = this.cluster.openConnection(nodeId);
    let response: Promise<FetchResponse>;
    if (connection?.isOpen) {
      try {
        response = connection.send(fetchApi, connection.versionFor(fetchApi), request, options);
      } catch (error) {
        response = Promise.reject(error);
      }
    } else {
      response = this.cluster.request(nodeId, fetchApi, request, options);
    }
    return { reservation, sent, response };
  }

  private rotate(partitions: PartitionState[]): PartitionState[] {
    const start = this.rotation++ % partitions.length;
    return start === 0 ? partitions : [...partitions.slice(start), ...partitions.slice(0, start)];
  }

  private fetchRequest(sent: readonly SentPartition[], maxBytes: number) {
    const topics = new Map<string, FetchRequestTopic>();
    const partitionMaxBytes = Math.min(this.options.partitionMaxBytes, maxBytes);
    for (const { state, fetchOffset } of sent) {
      let topic = topics.get(state.topic);
      if (topic === undefined) {
        topic = { topic: state.topic, partitions: [] };
        topics.set(state.topic, topic);
      }
      const partition: FetchRequestPartition = {
        partition: state.partition,
        currentLeaderEpoch: -1,
        fetchOffset,
        logStartOffset: -1,
        partitionMaxBytes,
      };
      topic.partitions.push(partition);
    }
    return {
      replicaId: -1,
      maxWaitMs: this.options.maxWaitMs,
      minBytes: this.options.minBytes,
      maxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...topics.values()],
      forgottenTopicsData: [],
      rackId: '',
    };
  }

  private readResponse(
    responses: readonly {
      topic: string;
      partitions: readonly {
        partitionIndex: number;
        errorCode: number;
        highWatermark: number;
        records: Buffer | null;
      }[];
    }[],
    sent: readonly SentPartition[],
  ): FetchedChunk[] {
    const byKey = new Map<string, SentPartition>();
    for (const entry of sent) byKey.set(entry.state.key, entry);
    const chunks: FetchedChunk[] = [];
    let refresh = false;
    for (const topic of responses) {
      for (const answer of topic.partitions) {
        const entry = byKey.get(`${answer.partitionIndex}:${topic.topic}`);
        if (entry === undefined) continue;
        const { state, epoch, fetchOffset } = entry;
        if (state.epoch !== epoch || !state.assigned) continue;
        const code = answer.errorCode;
        if (code === ErrorCode.NONE) {
          state.highWatermark = answer.highWatermark;
          const chunk = this.chunkOf(entry, answer.records, answer.highWatermark);
          if (chunk !== null) chunks.push(chunk);
        } else if (code === ErrorCode.OFFSET_OUT_OF_RANGE) {
          this.listener.offsetOutOfRange(state);
        } else if (callsForMetadataRefresh(code)) {
          refresh = true;
        } else {
          const error = errorFromCode(code, {
            topic: state.topic,
            partition: state.partition,
            message: `fetch at offset ${fetchOffset}`,
          });
          this.listener.partitionFailed(state, error);
        }
      }
    }
    if (refresh) {
      this.cluster.invalidateMetadata();
      void this.refreshLeaders();
    }
    return chunks;
  }

  private chunkOf(
    entry: SentPartition,
    records: Buffer | null,
    highWatermark: number,
  ): FetchedChunk | null {
    if (records === null || records.length === 0) return null;
    const { nextOffset, wholeBytes } = scanFetchedBatches(records, entry.fetchOffset);
    if (nextOffset <= entry.fetchOffset) return null;
    entry.state.fetchOffset = nextOffset;
    return {
      state: entry.state,
      epoch: entry.epoch,
      fetchOffset: entry.fetchOffset,
      nextOffset,
      records: records.subarray(0, wholeBytes),
      highWatermark,
      sizeBytes: wholeBytes,
    };
  }
}
