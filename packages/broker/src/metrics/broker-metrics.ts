/**
 * The broker's Prometheus metrics, in a Registry of its own (two brokers in one process, as in
 * tests, do not mix). Nothing here runs on a produce or fetch path: counters and histograms are
 * read from the plain-number probes (probe.ts, log-events.ts, the quotas' probe) and gauges
 * that describe state (offsets, sizes, lag, connections) are computed in collect() callbacks
 * when /metrics is scraped. Names follow Prometheus conventions: `cairn_` prefix, base units
 * (`_seconds`, `_bytes`), `_total` on counters. The Node process metrics come from prom-client's
 * collectDefaultMetrics under their usual names (process_*, nodejs_*), made once per process
 * and shared by every broker in it (process-metrics.ts).
 */
import type { PartitionLog } from '@cairn/log';
import { errorName } from '@cairn/protocol';
import { Counter, Gauge, Registry } from 'prom-client';
import type { BrokerProbe, TopicCounters } from '../probe.js';
import type { ProduceQuotas } from '../quotas/produce-quotas.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import type { GroupLag, PartitionLag } from './group-lag.js';
import type { HttpProbe } from './http-probe.js';
import type { LogEvents } from './log-events.js';
import { ProbeHistogram } from './probe-histogram.js';
import { processMetricsRegistry } from './process-metrics.js';

/** What the Kafka listener reports at scrape time. */
export interface ConnectionStats {
  readonly connectionCount: number;
  /** Bytes of requests being handled and responses not yet written, all connections. */
  readonly inflightBytes: number;
}

export interface MetricSources {
  probe: BrokerProbe;
  topics: TopicRegistry;
  groupLag: GroupLag;
  logEvents: LogEvents;
  quotas: ProduceQuotas;
  connections: () => ConnectionStats;
  /** The HTTP API's requests (none are counted when the broker serves no HTTP). */
  http: HttpProbe;
}

export interface BrokerMetrics {
  readonly registry: Registry;
  /** The Content-Type of `scrape()`'s text. */
  readonly contentType: string;
  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string>;
}

export function createBrokerMetrics(sources: MetricSources): BrokerMetrics {
  const own = new Registry();
  registerRequestMetrics(own, sources.probe);
  registerHttpMetrics(own, sources.http);
  registerTopicMetrics(own, sources);
  registerGroupMetrics(own, sources.groupLag);
  registerNetworkMetrics(own, sources);
  registerLogMetrics(own, sources);
  const registry = Registry.merge([own, processMetricsRegistry()]);
  return {
    registry,
    contentType: registry.contentType,
    scrape: () => registry.metrics(),
  };
}

function registerRequestMetrics(registry: Registry, probe: BrokerProbe): void {
  new Counter({
    name: 'cairn_requests_total',
    help: 'Kafka requests answered, by API and the error code that answered them',
    labelNames: ['api', 'error_code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [api, counters] of probe.apis) {
        for (const [code, count] of counters.requestsByErrorCode) {
          this.inc({ api, error_code: errorName(code) }, count);
        }
      }
    },
  });
  new ProbeHistogram({
    name: 'cairn_request_duration_seconds',
    help: 'Time from a decoded Kafka request to its response, by API',
    labelNames: ['api'] as const,
    registry,
    read: () => [...probe.apis].map(([api, counters]) => [{ api }, counters.latencySeconds]),
  });
}

function registerHttpMetrics(registry: Registry, probe: HttpProbe): void {
  new Counter({
    name: 'cairn_http_requests_total',
    help: 'HTTP API requests answered, by route pattern, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { route, method, requestsByStatus } of probe.routes.values()) {
        for (const [status, count] of requestsByStatus) {
          this.inc({ route, method, status_code: String(status) }, count);
        }
      }
    },
  });
  new ProbeHistogram({
    name: 'cairn_http_request_duration_seconds',
    help: 'Time from an HTTP request received to its answer sent, by route pattern and method',
    labelNames: ['route', 'method'] as const,
    registry,
    read: () =>
      [...probe.routes.values()].map(({ route, method, latencySeconds }) => [
        { route, method },
        latencySeconds,
      ]),
  });
}

function registerTopicMetrics(registry: Registry, sources: MetricSources): void {
  const { probe, topics } = sources;
  const topicCounter = (name: string, help: string, field: keyof TopicCounters) =>
    new Counter({
      name,
      help,
      labelNames: ['topic'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [topic, counters] of probe.topics) {
          // Counters of a deleted topic go with it; a topic re-created starts again at 0.
          if (topics.topic(topic) === undefined) probe.topics.delete(topic);
          else this.inc({ topic }, counters[field]);
        }
      },
    });
  topicCounter('cairn_produced_bytes_total', 'Record batch bytes produced', 'producedBytes');
  topicCounter('cairn_produced_records_total', 'Records produced', 'producedRecords');
  topicCounter('cairn_fetched_bytes_total', 'Record batch bytes fetched', 'fetchedBytes');
  topicCounter('cairn_fetched_records_total', 'Records fetched', 'fetchedRecords');

  const partitionGauge = (name: string, help: string, read: (log: PartitionLog) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['topic', 'partition'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const topic of topics.topics()) {
          topic.partitions.forEach((log, partition) => {
            this.set({ topic: topic.name, partition: String(partition) }, read(log));
          });
        }
      },
    });
  partitionGauge(
    'cairn_partition_log_end_offset',
    'The offset the next record appended to the partition gets',
    (log) => log.logEndOffset,
  );
  partitionGauge(
    'cairn_partition_log_start_offset',
    'The first offset the partition still holds',
    (log) => log.logStartOffset,
  );
  partitionGauge(
    'cairn_partition_size_bytes',
    "Bytes of the partition's segment files",
    (log) => log.sizeBytes,
  );
}

function registerGroupMetrics(registry: Registry, groupLag: GroupLag): void {
  // Both gauges are filled from one computation per scrape (they are collected together).
  let pending: Promise<PartitionLag[]> | null = null;
  const lags = (): Promise<PartitionLag[]> => {
    pending ??= groupLag.collect().finally(() => {
      pending = null;
    });
    return pending;
  };
  const labelNames = ['group', 'topic', 'partition'] as const;
  const labels = (lag: PartitionLag) => ({
    group: lag.group,
    topic: lag.topic,
    partition: String(lag.partition),
  });
  new Gauge({
    name: 'cairn_group_lag_records',
    help: 'Records between a group committed offset and the high watermark',
    labelNames,
    registers: [registry],
    async collect() {
      const found = await lags();
      this.reset();
      for (const lag of found) this.set(labels(lag), lag.lagRecords);
    },
  });
  new Gauge({
    name: 'cairn_group_lag_seconds',
    help: 'Age of the record at a group committed offset (0 when caught up)',
    labelNames,
    registers: [registry],
    async collect() {
      const found = await lags();
      this.reset();
      for (const lag of found) this.set(labels(lag), lag.lagSeconds);
    },
  });
}

function registerNetworkMetrics(registry: Registry, sources: MetricSources): void {
  const { connections, quotas } = sources;
  new Gauge({
    name: 'cairn_connections_open',
    help: 'Open Kafka protocol connections',
    registers: [registry],
    collect() {
      this.set(connections().connectionCount);
    },
  });
  new Gauge({
    name: 'cairn_inflight_request_bytes',
    help: 'Bytes of Kafka requests being handled and responses not yet written',
    registers: [registry],
    collect() {
      this.set(connections().inflightBytes);
    },
  });
  new Gauge({
    name: 'cairn_inflight_produce_bytes',
    help: 'Bytes of Kafka and HTTP produce requests in flight (queued.max.request.bytes)',
    registers: [registry],
    collect() {
      this.set(quotas.inflight.inflightBytes);
    },
  });
  new Counter({
    name: 'cairn_produce_backpressure_waits_total',
    help: 'Times a connection stopped reading because queued.max.request.bytes was spent',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(quotas.inflight.waitCount);
    },
  });
  new Counter({
    name: 'cairn_produce_throttled_requests_total',
    help: 'Produce requests throttled by producer_byte_rate',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(quotas.probe.throttledRequests);
    },
  });
  new Counter({
    name: 'cairn_produce_throttle_seconds_total',
    help: 'Throttle time given to Produce requests by producer_byte_rate',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(quotas.probe.throttleTimeMsTotal / 1000);
    },
  });
}

function registerLogMetrics(registry: Registry, sources: MetricSources): void {
  const { logEvents, quotas } = sources;
  new ProbeHistogram({
    name: 'cairn_fsync_duration_seconds',
    help: 'Time to fsync a partition log (its _count is the number of fsyncs)',
    labelNames: [],
    registry,
    read: () => [[{}, logEvents.fsyncSeconds]],
  });
  new Counter({
    name: 'cairn_segment_rolls_total',
    help: 'Active segments sealed and replaced by a new one',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(logEvents.segmentRollCount);
    },
  });
  new Counter({
    name: 'cairn_segment_deletions_total',
    help: 'Segments deleted by retention, DeleteRecords or the log start offset',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(logEvents.segmentDeletionCount);
    },
  });
  new Gauge({
    name: 'cairn_disk_used_bytes',
    help: 'Bytes of segments and their indexes in the data dir, as the disk budget counts them',
    registers: [registry],
    collect() {
      this.set(quotas.usage.usedBytes);
    },
  });
  new Gauge({
    name: 'cairn_disk_budget_bytes',
    help: 'log.dir.bytes.max, the disk budget of the data dir (-1: none)',
    registers: [registry],
    collect() {
      this.set(quotas.config.logDirBytesMax);
    },
  });
  new Counter({
    name: 'cairn_disk_budget_refusals_total',
    help: 'Produce batches refused by log.dir.bytes.max or topic.retained.bytes.max',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(quotas.probe.diskBudgetRefusals);
    },
  });
  new Counter({
    name: 'cairn_http_produce_refusals_total',
    help: 'HTTP produce requests refused (503) by a quota',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(quotas.probe.httpRefusals);
    },
  });
}
