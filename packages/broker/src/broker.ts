/**
 * Starts a whole broker in-process: opens the data dir (lock, recovery), the topics, the group
 * coordinator and the producer state, and listens for the Kafka protocol. The CLI uses it, and
 * so can an application's tests: `startBroker({ dataDir, kafkaPort: 0 })` starts in
 * milliseconds on an ephemeral port and `close()` shuts it down.
 */
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import {
  defaultLogConfig,
  type LogConfig,
  LogManager,
  type PartitionLog,
  systemClock,
} from '@cairn/log';
import type { AnyApi } from '@cairn/protocol';
import { type Logger, pino } from 'pino';
import { loadClusterId } from './cluster-id.js';
import { registerConsoleRoutes } from './console/console-routes.js';
import * as limits from './constants.js';
import { type AnyApiHandler, createDispatcher } from './dispatcher.js';
import {
  createGroupHandlers,
  type GroupConfig,
  GroupCoordinator,
  OFFSETS_TOPIC,
  OFFSETS_TOPIC_PARTITION,
} from './groups/index.js';
import { createAdminHandlers } from './handlers/admin-handlers.js';
import { createApiVersionsHandler } from './handlers/api-versions.js';
import type { BrokerIdentity } from './handlers/broker-identity.js';
import { createFetchHandler } from './handlers/fetch.js';
import { createInitProducerIdHandler } from './handlers/init-producer-id.js';
import { createListOffsetsHandler } from './handlers/list-offsets.js';
import { createMetadataHandler } from './handlers/metadata.js';
import { createProduceHandler, type ProduceDeps } from './handlers/produce.js';
import {
  type HttpAddress,
  type HttpExtension,
  type StartedHttpServer,
  startHttpServer,
} from './http/http-server.js';
import { type BrokerMetrics, createBrokerMetrics } from './metrics/broker-metrics.js';
import { GroupLag } from './metrics/group-lag.js';
import { HttpProbe, httpRequestMetrics } from './metrics/http-probe.js';
import { LogEvents } from './metrics/log-events.js';
import { metricsRoute } from './metrics/metrics-route.js';
import { BufferPool } from './network/buffer-pool.js';
import { KafkaServer } from './network/kafka-server.js';
import { PartitionWaiters } from './partition-waiters.js';
import { BrokerProbe } from './probe.js';
import { ProducerIdManager } from './producers/producer-id-manager.js';
import { ProducerStates } from './producers/producer-states.js';
import { defaultQuotaConfig, ProduceQuotas, type QuotaConfig } from './quotas/produce-quotas.js';
import { resolveLogConfig } from './topics/topic-config.js';
import { TopicRegistry } from './topics/topic-registry.js';

export interface BrokerOptions {
  dataDir: string;
  kafkaHost?: string;
  /** 0 picks an ephemeral port; `RunningBroker.port` tells which. */
  kafkaPort?: number;
  advertisedHost?: string;
  nodeId?: number;
  autoCreateTopics?: boolean;
  defaultPartitionCount?: number;
  /** Topic config defaults under Kafka's names, e.g. `{ 'retention.ms': '60000' }`. */
  topicDefaults?: Readonly<Record<string, string>>;
  /** group.initial.rebalance.delay.ms (Kafka's default 3000; tests use a few ms). */
  groupInitialRebalanceDelayMs?: number;
  /** Other group coordinator settings (session timeout bounds, group size, ...). */
  groupConfig?: Partial<GroupConfig>;
  /** A pino logger; by default one that logs warnings and errors only. */
  logger?: Logger;
  /**
   * Bytes of partly read request frames held over every connection before reading pauses
   * (constants.ts requestBufferBytesBrokerMax); a frame larger than this is refused.
   */
  requestBufferBytesBrokerMax?: number;
  /** Disk budget, in-flight produce bytes and byte-rate quota (quotas/produce-quotas.ts). */
  quotas?: Partial<QuotaConfig>;
  /** HTTP API listener host (default 127.0.0.1). */
  httpHost?: string;
  /**
   * The HTTP API's port, 0 for an ephemeral one; without it no HTTP server is started (the
   * CLI passes 8080 by default), so an embedding application or a test binds no port it
   * did not ask for.
   */
  httpPort?: number;
  /** Routes and plugins added to the HTTP server (http/http-server.ts says how). */
  httpExtensions?: readonly HttpExtension[];
}

export interface RunningBroker {
  readonly host: string;
  readonly port: number;
  /** `host:port`, for a Kafka client's bootstrap list. */
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry: TopicRegistry;
  readonly probe: BrokerProbe;
  /** The Prometheus registry (`metrics.scrape()` is what /metrics serves). */
  readonly metrics: BrokerMetrics;
  readonly quotas: ProduceQuotas;
  /** The HTTP API's address, or null when no httpPort was given. */
  readonly http: HttpAddress | null;
  close(): Promise<void>;
}

export async function startBroker(options: BrokerOptions): Promise<RunningBroker> {
  const logger = options.logger ?? pino({ level: 'warn' });
  await mkdir(options.dataDir, { recursive: true });
  const quotas = new ProduceQuotas({ ...defaultQuotaConfig, ...options.quotas }, systemClock);
  const logEvents = new LogEvents(quotas.usage);
  // HTTP listens first: /healthz answers and /readyz says 503 while the logs recover.
  // Set before the HTTP services are attached, so /metrics (503 until then) always finds it.
  let current: BrokerMetrics | null = null;
  const httpProbe = new HttpProbe();
  const http = await startHttp(options, logger, [
    httpRequestMetrics(httpProbe),
    metricsRoute(() => current),
    registerConsoleRoutes,
  ]);
  const logManager = await LogManager.open(options.dataDir, { observer: logEvents }).catch(
    async (error: unknown) => {
      await http?.server.close();
      throw error;
    },
  );
  const cleanup: Array<() => Promise<void>> = [() => logManager.close()];
  if (http !== null) cleanup.unshift(() => http.server.close());
  try {
    const defaults: LogConfig = resolveLogConfig(defaultLogConfig, options.topicDefaults ?? {});
    const registry = await TopicRegistry.open(options.dataDir, logManager, defaults);
    const clusterId = await loadClusterId(options.dataDir);
    const producerIds = await ProducerIdManager.open(options.dataDir);
    const producerStates = await ProducerStates.rebuild(registry);
    const coordinator = await startGroupCoordinator(registry, options, logger);
    cleanup.push(() => coordinator.close());
    logManager.startScheduler();
    quotas.start(logManager);
    cleanup.push(async () => quotas.stop());
    const probe = new BrokerProbe();
    const waiters = new PartitionWaiters<PartitionLog>();
    const shutdown = new AbortController();
    // Every waiting long poll listens to this one signal; their number is bounded elsewhere.
    setMaxListeners(0, shutdown.signal);
    const host = options.kafkaHost ?? '127.0.0.1';
    let identity: BrokerIdentity = {
      nodeId: options.nodeId ?? 0,
      host: options.advertisedHost ?? host,
      port: options.kafkaPort ?? 9092,
      clusterId,
    };

    const defaultPartitionCount = options.defaultPartitionCount ?? 1;
    // The Kafka Produce handler's and the HTTP produce route's: one append path.
    const produceDeps: ProduceDeps = {
      registry,
      producerStateOf: (log) => producerStates.of(log),
      waiters,
      probe,
      quotas,
    };
    // Fetch reads and Produce frames, reused rather than left to the GC (network/buffer-pool.ts).
    const bufferPool = new BufferPool({
      slabBytesMin: limits.bufferSlabBytesMin,
      slabBytesMax: limits.bufferSlabBytesMax,
      freeBytesMax: limits.bufferPoolFreeBytesMax,
    });
    const handlers: AnyApiHandler[] = [];
    const apis = () => handlers.map((handler) => handler.api as AnyApi);
    handlers.push(
      createApiVersionsHandler(apis),
      createMetadataHandler({
        registry,
        identity: () => identity,
        autoCreateTopics: options.autoCreateTopics ?? true,
        defaultPartitionCount,
      }),
      createProduceHandler(produceDeps),
      createFetchHandler({
        registry,
        waiters,
        probe,
        shutdownSignal: shutdown.signal,
        buffers: bufferPool,
      }),
      createInitProducerIdHandler(producerIds),
      createListOffsetsHandler(registry),
      ...createAdminHandlers({ registry, nodeId: identity.nodeId, defaultPartitionCount }),
      ...createGroupHandlers({
        coordinator,
        coordinatorNode: () => identity,
        partitionExists: (topic, partition) =>
          registry.partitionLog(topic, partition) !== undefined,
      }),
    );

    const server = await KafkaServer.listen(
      {
        host,
        port: options.kafkaPort ?? 9092,
        connectionsMax: limits.connectionsMax,
        limits: {
          frameBytesMax: limits.requestBytesMax,
          inflightRequestsMax: limits.inflightRequestsPerConnectionMax,
          inflightBytesMax: limits.inflightBytesPerConnectionMax,
          idleMs: limits.connectionIdleMs,
          produceBudget: quotas.inflight,
          framePool: bufferPool,
        },
        requestBufferBytesMax:
          options.requestBufferBytesBrokerMax ?? limits.requestBufferBytesBrokerMax,
        requestBufferSmallFrameBytesMax: limits.requestBufferSmallFrameBytesMax,
        shutdownGraceMs: limits.shutdownGraceMs,
        logger,
      },
      createDispatcher(handlers, logger, probe),
    );
    identity = { ...identity, port: server.port };
    const metrics = createBrokerMetrics({
      probe,
      topics: registry,
      groupLag: new GroupLag(coordinator, registry, systemClock),
      logEvents,
      quotas,
      connections: () => server,
      http: httpProbe,
    });
    current = metrics;
    http?.server.attach({
      registry,
      coordinator,
      produce: produceDeps,
      waiters,
      shutdownSignal: shutdown.signal,
      defaultPartitionCount,
      produceGate: quotas.httpProduceGate,
    });
    logger.info(
      { kafka: `${host}:${server.port}`, http: http?.address.url, dataDir: options.dataDir },
      'broker started',
    );

    let closing: Promise<void> | undefined;
    return {
      host,
      port: server.port,
      bootstrap: `${host}:${server.port}`,
      dataDir: options.dataDir,
      logger,
      registry,
      probe,
      metrics,
      quotas,
      http: http?.address ?? null,
      close() {
        closing ??= (async () => {
          shutdown.abort();
          // First, so /readyz answers 503 and no HTTP request starts during the shutdown.
          await http?.server.close();
          quotas.stop();
          // Parked joins and syncs are answered NOT_COORDINATOR at once, as Kafka does.
          await coordinator.close();
          await server.close();
          await logManager.stopScheduler();
          await logManager.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    throw error;
  }
}

function startHttp(
  options: BrokerOptions,
  logger: Logger,
  brokerExtensions: readonly HttpExtension[],
): Promise<StartedHttpServer | null> {
  if (options.httpPort === undefined) return Promise.resolve(null);
  return startHttpServer({
    host: options.httpHost ?? '127.0.0.1',
    port: options.httpPort,
    logger,
    extensions: [...brokerExtensions, ...(options.httpExtensions ?? [])],
  });
}

/** Opens (creating on first start) the compacted offsets topic and replays it. */
async function startGroupCoordinator(
  registry: TopicRegistry,
  options: BrokerOptions,
  logger: Logger,
): Promise<GroupCoordinator> {
  const topic =
    registry.topic(OFFSETS_TOPIC) ??
    (await registry.createTopic(OFFSETS_TOPIC, {
      partitionCount: OFFSETS_TOPIC_PARTITION + 1,
      configs: { 'cleanup.policy': 'compact' },
    }));
  const log = topic.partitions[OFFSETS_TOPIC_PARTITION]!;
  const delay = options.groupInitialRebalanceDelayMs;
  const config: Partial<GroupConfig> = {
    ...options.groupConfig,
    ...(delay === undefined ? {} : { initialRebalanceDelayMs: delay }),
  };
  const coordinator = new GroupCoordinator({ log, config, logger });
  await coordinator.load();
  return coordinator;
}
