/**
 * The client's view of a Kafka cluster (Kafka's Metadata + NetworkClient): the brokers, the
 * partition leaders and group coordinators, and one connection per broker.
 *
 * - Bootstrap: connect() tries the `bootstrap` addresses in random order until one answers,
 *   then asks Metadata for the brokers. Later requests to 'any' broker use the least loaded
 *   open connection, or open one to a known broker.
 * - One connection per broker address (`host:port`), opened on first use and shared by every
 *   request to it; a bootstrap address that is also a broker's shares its connection. A closed
 *   connection is dropped and the next request opens a new one.
 * - Metadata is cached and refreshed on demand: by leaderFor / partitionsFor when a topic or
 *   partition is unknown or the cache is older than metadataMaxAgeMs, by callers after errors
 *   that call for it (errors.ts: callsForMetadataRefresh), and after a connection is lost.
 *   Concurrent refreshes that ask for the same topics share one request.
 * - request() sends once: it does not retry, because only the caller knows whether a request
 *   is safe to repeat (a Produce without idempotence is not). Callers wrap it in retry().
 *   Lookups (metadata, coordinators, connecting) retry retriable errors themselves.
 *
 * Concurrency: every method may be called concurrently; state changes happen between awaits
 * only in whole steps (a metadata response replaces the cached entries it covers at once).
 */
import {
  type AnyApi,
  type Api,
  coordinatorKeyTypeGroup,
  ErrorCode,
  findCoordinatorApi,
  errors as kafkaErrors,
  type MetadataResponse,
  metadataApi,
} from '@cairn/protocol';
import { Connection, type ConnectionRequestOptions, type SocketFactory } from './connection.js';
import { clientIdDefault, metadataMaxAgeMsDefault } from './constants.js';
import { ClosedError, ConnectionError, errorFromCode, KafkaClientError } from './errors.js';
import { type RetryOptions, retry } from './retry.js';

export interface ClusterOptions {
  /** Brokers to start from, as 'host:port' ('[::1]:9092' for IPv6). */
  bootstrap: string[];
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Requests in flight per connection (max.in.flight.requests.per.connection). */
  maxInflightRequests?: number;
  /** For lookups the cluster makes itself (metadata, coordinators, connecting). */
  retry?: RetryOptions;
  metadataMaxAgeMs?: number;
  /** Whether Metadata requests for named topics may create them (Kafka's default: true). */
  allowAutoTopicCreation?: boolean;
  /** Opens sockets; tests use it to route through a proxy. */
  socketFactory?: SocketFactory;
}

export interface BrokerAddress {
  nodeId: number;
  host: string;
  port: number;
  rack?: string | null;
}

export interface PartitionMetadata {
  partition: number;
  /** The leader's node id; -1 when there is none. */
  leader: number;
  errorCode: number;
  replicas: number[];
  isr: number[];
}

export interface TopicMetadata {
  name: string;
  /** Sorted by partition: `partitions[i].partition === i`. */
  partitions: PartitionMetadata[];
  errorCode: number;
  isInternal: boolean;
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerAddress>;
  topics: Map<string, TopicMetadata>;
}

export interface RefreshOptions {
  /** Overrides ClusterOptions.allowAutoTopicCreation for this request. */
  allowAutoTopicCreation?: boolean;
}

interface Refresh {
  /** null: every topic. */
  readonly topics: ReadonlySet<string> | null;
  readonly promise: Promise<ClusterMetadata>;
}

export class Cluster {
  readonly clientId: string;
  private readonly options: ClusterOptions;
  private readonly bootstrap: { host: string; port: number }[];
  private readonly connections = new Map<string, Promise<Connection>>();
  private readonly coordinators = new Map<string, number>();
  private readonly coordinatorLookups = new Map<string, Promise<number>>();
  private refreshes: Refresh[] = [];
  private current: ClusterMetadata = {
    clusterId: null,
    controllerId: -1,
    brokers: new Map(),
    topics: new Map(),
  };
  /** When the cached metadata was last refreshed (0: never, or invalidated). */
  private refreshedAtMs = 0;
  private closed = false;

  constructor(options: ClusterOptions) {
    if (options.bootstrap.length === 0) throw new RangeError('bootstrap lists no broker');
    this.options = options;
    this.clientId = options.clientId ?? clientIdDefault;
    this.bootstrap = options.bootstrap.map(parseAddress);
  }

  /** Connects to a bootstrap broker and loads the broker list. */
  async connect(): Promise<void> {
    await this.refreshMetadata([]);
  }

  /**
   * Sends `body` to broker `target` (a node id, or 'any') at the highest version both sides
   * support, and resolves with the response; with `expectResponse: false` (Produce acks=0)
   * resolves with undefined once written. Sends once (see the file comment). Rejects with
   * UNSUPPORTED_VERSION, ConnectionError, TimeoutError or ClosedError.
   */
  async request<Req, Res>(
    target: number | 'any',
    api: Api<Req, Res>,
    body: Req,
    options?: ConnectionRequestOptions,
  ): Promise<Res> {
    const connection = await this.connectionTo(target);
    return connection.send(api, connection.versionFor(api as AnyApi), body, options);
  }

  /** The version request() would use for `api` on `target`; connects if needed. */
  async versionFor(target: number | 'any', api: AnyApi): Promise<number> {
    const connection = await this.connectionTo(target);
    return connection.versionFor(api);
  }

  /**
   * The open connection to `target`, connecting (and, for an unknown node id, refreshing
   * metadata) first when needed.
   */
  async connectionTo(target: number | 'any'): Promise<Connection> {
    this.checkOpen();
    if (target === 'any') return this.anyConnection();
    let broker = this.current.brokers.get(target);
    if (broker === undefined) {
      await this.refreshMetadata([]);
      broker = this.current.brokers.get(target);
    }
    if (broker === undefined) {
      throw new KafkaClientError({
        code: kafkaErrors.BROKER_NOT_AVAILABLE.code,
        errorName: 'BROKER_NOT_AVAILABLE',
        retriable: true,
        message: `node ${target} is not in the cluster's metadata`,
      });
    }
    return this.connectionAt(broker.host, broker.port, broker.nodeId);
  }

  /** The connection to node `nodeId` if it is open now, without waiting. */
  openConnection(nodeId: number): Connection | undefined {
    const broker = this.current.brokers.get(nodeId);
    if (broker === undefined) return undefined;
    const pending = this.connections.get(addressKey(broker.host, broker.port));
    return pending === undefined ? undefined : this.settledConnections.get(pending);
  }

  /**
   * Asks Metadata for `topics` (every topic when undefined; only brokers for []), merges the
   * answer into the cache and returns it. Retries retriable failures (options.retry).
   */
  refreshMetadata(topics?: string[], options: RefreshOptions = {}): Promise<ClusterMetadata> {
    this.checkOpen();
    const wanted = topics === undefined ? null : new Set(topics);
    const covering = this.refreshes.find((refresh) => covers(refresh.topics, wanted));
    if (covering !== undefined) return covering.promise;
    const promise = retry(() => this.fetchMetadata(wanted, options), this.retryOptions()).finally(
      () => {
        this.refreshes = this.refreshes.filter((refresh) => refresh.promise !== promise);
      },
    );
    this.refreshes.push({ topics: wanted, promise });
    return promise;
  }

  /** The last known metadata (empty before connect()). */
  metadata(): ClusterMetadata {
    return this.current;
  }

  /** Whether the cache is older than metadataMaxAgeMs or was invalidated. */
  isMetadataStale(): boolean {
    const maxAgeMs = this.options.metadataMaxAgeMs ?? metadataMaxAgeMsDefault;
    return Date.now() - this.refreshedAtMs >= maxAgeMs;
  }

  /** Marks the cache stale so that the next lookup refreshes it. */
  invalidateMetadata(): void {
    this.refreshedAtMs = 0;
  }

  /** The leader of a partition from the cache, or -1 when unknown. Never waits. */
  leaderOf(topic: string, partition: number): number {
    return this.current.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /**
   * The node id of the partition's leader; refreshes metadata when the partition or its
   * leader is unknown, or the cache is stale. Rejects with the topic's or partition's error
   * (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE...) once the retries are spent.
   */
  async leaderFor(topic: string, partition: number): Promise<number> {
    return retry(async () => {
      let leader = this.isMetadataStale() ? -1 : this.leaderOf(topic, partition);
      if (leader >= 0) return leader;
      await this.refreshMetadata([topic]);
      leader = this.leaderOf(topic, partition);
      if (leader >= 0) return leader;
      throw this.partitionError(topic, partition);
    }, this.retryOptions());
  }

  /** The partition count of `topic`, refreshing metadata as leaderFor does. */
  async partitionsFor(topic: string): Promise<number> {
    return retry(async () => {
      const cached = usablePartitionCount(this.current.topics.get(topic));
      if (!this.isMetadataStale() && cached > 0) return cached;
      await this.refreshMetadata([topic]);
      const refreshed = this.current.topics.get(topic);
      const count = usablePartitionCount(refreshed);
      if (count > 0) return count;
      throw errorFromCode(refreshed?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, {
        topic,
      });
    }, this.retryOptions());
  }

  /** The node id of the group's coordinator (FindCoordinator), cached until invalidated. */
  async coordinatorFor(groupId: string): Promise<number> {
    const cached = this.coordinators.get(groupId);
    if (cached !== undefined) return cached;
    let lookup = this.coordinatorLookups.get(groupId);
    if (lookup === undefined) {
      lookup = retry(() => this.findCoordinator(groupId), this.retryOptions()).finally(() =>
        this.coordinatorLookups.delete(groupId),
      );
      this.coordinatorLookups.set(groupId, lookup);
    }
    return lookup;
  }

  /** Forgets the group's coordinator, after NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE. */
  invalidateCoordinator(groupId: string): void {
    this.coordinators.delete(groupId);
  }

  /**
   * Closes every connection, letting the requests in flight finish for up to `graceMs`
   * (closeGraceMsDefault); 0 drops them at once.
   */
  async close(graceMs?: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      pending.map((connecting) =>
        connecting.then(
          (connection) => connection.close(graceMs),
          () => undefined,
        ),
      ),
    );
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The retry settings lookups use, for callers that retry on the cluster's behalf. */
  retryOptions(): RetryOptions {
    return this.options.retry ?? {};
  }

  /** Connections that finished connecting, by their connect promise, for openConnection(). */
  private readonly settledConnections = new WeakMap<Promise<Connection>, Connection>();

  private connectionAt(host: string, port: number, nodeId?: number): Promise<Connection> {
    const key = addressKey(host, port);
    const existing = this.connections.get(key);
    if (existing !== undefined) return existing;
    const connecting = Connection.connect({
      host,
      port,
      ...(nodeId === undefined ? {} : { nodeId }),
      clientId: this.clientId,
      ...this.connectionLimits(),
      onClose: (_connection, error) => {
        if (this.connections.get(key) === connecting) this.connections.delete(key);
        // The broker may have moved or gone: look again before trusting the cache.
        if (error !== undefined) this.invalidateMetadata();
      },
    });
    this.connections.set(key, connecting);
    connecting.then(
      (connection) => {
        this.settledConnections.set(connecting, connection);
        // close() may have run while this connection was being set up.
        if (this.closed) void connection.close();
      },
      () => {
        if (this.connections.get(key) === connecting) this.connections.delete(key);
      },
    );
    return connecting;
  }

  private connectionLimits() {
    const { requestTimeoutMs, connectTimeoutMs, maxInflightRequests, socketFactory } = this.options;
    return {
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
      ...(connectTimeoutMs === undefined ? {} : { connectTimeoutMs }),
      ...(maxInflightRequests === undefined ? {} : { maxInflightRequests }),
      ...(socketFactory === undefined ? {} : { socketFactory }),
    };
  }

  /** The least loaded open connection, else the first broker (known, then bootstrap) to answer. */
  private async anyConnection(): Promise<Connection> {
    let best: Connection | undefined;
    for (const connecting of this.connections.values()) {
      const connection = this.settledConnections.get(connecting);
      if (connection === undefined || !connection.isOpen) continue;
      const load = connection.inflightCount + connection.pendingCount;
      if (best === undefined || load < best.inflightCount + best.pendingCount) best = connection;
    }
    if (best !== undefined) return best;
    const candidates = [
      ...shuffle([...this.current.brokers.values()]),
      ...shuffle(this.bootstrap.map((address) => ({ ...address, nodeId: undefined }))),
    ];
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        return await this.connectionAt(candidate.host, candidate.port, candidate.nodeId);
      } catch (error) {
        lastError = error;
        this.checkOpen();
      }
    }
    const tried = candidates.map((candidate) => `${candidate.host}:${candidate.port}`).join(', ');
    throw new ConnectionError(`no broker answered (tried ${tried})`, { cause: lastError });
  }

  private async fetchMetadata(
    topics: ReadonlySet<string> | null,
    options: RefreshOptions,
  ): Promise<ClusterMetadata> {
    const allowAutoTopicCreation =
      options.allowAutoTopicCreation ?? this.options.allowAutoTopicCreation ?? true;
    const response = await this.request('any', metadataApi, {
      topics: topics === null ? null : [...topics].map((name) => ({ name })),
      allowAutoTopicCreation,
    });
    this.applyMetadata(response, topics === null);
    return this.current;
  }

  /** Replaces the broker list and the topics the response covers, in one step. */
  private applyMetadata(response: MetadataResponse, allTopics: boolean): void {
    const brokers = new Map<number, BrokerAddress>();
    for (const broker of response.brokers) {
      brokers.set(broker.nodeId, {
        nodeId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        rack: broker.rack,
      });
    }
    const topics = allTopics ? new Map<string, TopicMetadata>() : new Map(this.current.topics);
    for (const topic of response.topics) {
      if (topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        topics.delete(topic.name);
        continue;
      }
      const partitions = topic.partitions
        .map((partition) => ({
          partition: partition.partitionIndex,
          leader: partition.errorCode === ErrorCode.NONE ? partition.leaderId : -1,
          errorCode: partition.errorCode,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
        }))
        .sort((a, b) => a.partition - b.partition);
      topics.set(topic.name, {
        name: topic.name,
        partitions,
        errorCode: topic.errorCode,
        isInternal: topic.isInternal,
      });
    }
    this.current = {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers,
      topics,
    };
    this.refreshedAtMs = Date.now();
  }

  private async findCoordinator(groupId: string): Promise<number> {
    const response = await this.request('any', findCoordinatorApi, {
      key: groupId,
      keyType: coordinatorKeyTypeGroup,
    });
    if (response.errorCode !== ErrorCode.NONE) {
      const detail = response.errorMessage === null ? '' : `: ${response.errorMessage}`;
      throw errorFromCode(response.errorCode, {
        message: `FindCoordinator for group ${groupId} failed${detail}`,
      });
    }
    if (!this.current.brokers.has(response.nodeId)) {
      // The coordinator may be a broker this client has not seen in metadata yet.
      const brokers = new Map(this.current.brokers);
      brokers.set(response.nodeId, {
        nodeId: response.nodeId,
        host: response.host,
        port: response.port,
      });
      this.current = { ...this.current, brokers };
    }
    this.coordinators.set(groupId, response.nodeId);
    return response.nodeId;
  }

  private partitionError(topic: string, partition: number): KafkaClientError {
    const cached = this.current.topics.get(topic);
    if (cached === undefined) {
      return errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, { topic, partition });
    }
    if (cached.errorCode !== ErrorCode.NONE) {
      return errorFromCode(cached.errorCode, { topic, partition });
    }
    const entry = cached.partitions[partition];
    if (entry === undefined) {
      return errorFromCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, {
        topic,
        partition,
        message: `the topic has ${cached.partitions.length} partitions`,
      });
    }
    const code =
      entry.errorCode === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : entry.errorCode;
    return errorFromCode(code, { topic, partition });
  }

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('the cluster client is closed');
  }
}

/** Parses 'host:port' and '[ipv6]:port'. */
export function parseAddress(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  const port = Number(address.slice(colon + 1));
  let host = address.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (colon <= 0 || host === '' || !Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new RangeError(`broker address '${address}' is not host:port`);
  }
  return { host, port };
}

function addressKey(host: string, port: number): string {
  return `${host}:${port}`;
}

function covers(have: ReadonlySet<string> | null, want: ReadonlySet<string> | null): boolean {
  if (have === null) return true;
  if (want === null) return false;
  for (const topic of want) if (!have.has(topic)) return false;
  return true;
}

/** The partition count of a topic the cache can serve, or 0. */
function usablePartitionCount(topic: TopicMetadata | undefined): number {
  if (topic === undefined || topic.errorCode !== ErrorCode.NONE) return 0;
  return topic.partitions.length;
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
