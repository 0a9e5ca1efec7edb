/**
 * The limits on producing, in one place for the Kafka Produce handler, the connections and
 * the HTTP produce route (constants.ts has the defaults and names):
 *   - the disk budget (log.dir.bytes.max, topic.retained.bytes.max): Kafka produce gets
 *     KAFKA_STORAGE_ERROR for the partition, the error Kafka gives when a log dir cannot take a
 *     write. kafkajs, librdkafka and the Java client retry it (Redpanda answers a full disk with
 *     BROKER_NOT_AVAILABLE, which kafkajs and Java do not retry, so Cairn does not);
 *   - producer_byte_rate per client id: Kafka produce is answered with throttle_time_ms and the
 *     connection is muted (no reads, responses held) for that long, as Kafka quotas do;
 *   - queued.max.request.bytes for Produce requests: connections stop reading (backpressure);
 *   - HTTP produce refused by any of them gets 503, Retry-After and a JSON reason.
 * Nothing acknowledged is touched: a refusal happens before the append.
 */
import type { Clock, LogManager } from '@cairn/log';
import { kafkaError } from '@cairn/protocol';
import {
  diskUsageMeasureIntervalMs,
  httpProduceRetryAfterMs,
  logDirBytesMaxDefault,
  producerByteRateBurstSeconds,
  producerByteRateDefault,
  queuedMaxRequestBytesDefault,
  quotaClientsMax,
  throttleTimeMsMax,
  topicRetainedBytesMaxDefault,
} from '../constants.js';
import { DiskBudget } from './disk-budget.js';
import { DiskUsage } from './disk-usage.js';
import { InflightBudget } from './inflight-budget.js';
import { ProducerByteRate } from './producer-byte-rate.js';

export interface QuotaConfig {
  /** log.dir.bytes.max; -1 = none. */
  logDirBytesMax: number;
  /** topic.retained.bytes.max; -1 = none. */
  topicRetainedBytesMax: number;
  /** queued.max.request.bytes (Produce requests); -1 = none. */
  queuedMaxRequestBytes: number;
  /** producer_byte_rate, bytes a second per client id; -1 = none. */
  producerByteRate: number;
}

export const defaultQuotaConfig: Readonly<QuotaConfig> = Object.freeze({
  logDirBytesMax: logDirBytesMaxDefault,
  topicRetainedBytesMax: topicRetainedBytesMaxDefault,
  queuedMaxRequestBytes: queuedMaxRequestBytesDefault,
  producerByteRate: producerByteRateDefault,
});

/**
 * Why an HTTP produce is refused: answered 503 with Retry-After and `{ error, message }`
 * (the shape of http-server.ts's ProduceRefusal). `limit` names the setting that was hit.
 */
export interface HttpProduceRefusal {
  readonly error: 'DISK_BUDGET_EXCEEDED' | 'INFLIGHT_BYTES_EXCEEDED' | 'THROTTLING_QUOTA_EXCEEDED';
  readonly limit: string;
  readonly message: string;
  readonly retryAfterMs: number;
}

/** A connection that can be muted: no reads (and maybe no responses sent) for a while. */
export interface MutableConnection {
  mute?(durationMs: number, holdResponses: boolean): void;
}

/** Produce v6+ clients throttle themselves on throttle_time_ms (KIP-219). */
const produceClientThrottleVersion = 6;

/** Counts of refusals and throttles, read by the metrics at scrape time. */
export interface QuotaProbe {
  diskBudgetRefusals: number;
  throttledRequests: number;
  throttleTimeMsTotal: number;
  httpRefusals: number;
}

export class ProduceQuotas {
  readonly usage = new DiskUsage();
  readonly diskBudget: DiskBudget;
  readonly byteRate: ProducerByteRate;
  readonly inflight: InflightBudget;
  readonly probe: QuotaProbe = {
    diskBudgetRefusals: 0,
    throttledRequests: 0,
    throttleTimeMsTotal: 0,
    httpRefusals: 0,
  };
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly config: QuotaConfig,
    clock: Clock,
  ) {
    this.diskBudget = new DiskBudget(this.usage, config);
    this.byteRate = new ProducerByteRate({
      bytesPerSecond: config.producerByteRate,
      burstSeconds: producerByteRateBurstSeconds,
      throttleTimeMsMax,
      clientsMax: quotaClientsMax,
      clock,
    });
    this.inflight = new InflightBudget(config.queuedMaxRequestBytes);
  }

  /** Measures the logs now and every diskUsageMeasureIntervalMs until `stop`. */
  start(logManager: LogManager): void {
    this.usage.measureFrom(() => logManager.logs());
    this.usage.measure(logManager.logs());
    this.timer = setInterval(
      () => this.usage.measure(logManager.logs()),
      diskUsageMeasureIntervalMs,
    );
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.usage.measureFrom(null);
  }

  /** Kafka produce, before an append: throws KAFKA_STORAGE_ERROR when it passes the budget. */
  checkAppend(topic: string, sizeBytes: number): void {
    const refusal = this.diskBudget.refusal(topic, sizeBytes);
    if (refusal === null) return;
    this.probe.diskBudgetRefusals += 1;
    throw kafkaError('KAFKA_STORAGE_ERROR', refusal.message);
  }

  /**
   * Kafka produce: charges `sizeBytes` to the client id's byte rate and, when that leaves it
   * in debt, mutes the connection for the throttle time, as Kafka does: the broker reads
   * nothing from it meanwhile; a Produce v6+ response is sent at once and the client waits
   * by itself (KIP-219), an older one is held back until the throttle ends. Returns the
   * request's throttle_time_ms.
   */
  throttle(
    header: { clientId: string | null; apiVersion: number },
    sizeBytes: number,
    connection: MutableConnection,
  ): number {
    const throttleTimeMs = this.byteRate.record(header.clientId ?? '', sizeBytes);
    if (throttleTimeMs > 0) {
      this.probe.throttledRequests += 1;
      this.probe.throttleTimeMsTotal += throttleTimeMs;
      const holdResponses = header.apiVersion < produceClientThrottleVersion;
      connection.mute?.(throttleTimeMs, holdResponses);
    }
    return throttleTimeMs;
  }

  /**
   * HTTP produce of `sizeBytes` to `topic`: null when it may go ahead (its bytes are charged
   * to the client's byte rate and to the broker's in-flight produce bytes until
   * `releaseHttpProduce`), else why not. HTTP cannot hold a client back by TCP as the Kafka
   * port does, so it is refused while it is over a limit.
   */
  admitHttpProduce(topic: string, clientId: string, sizeBytes: number): HttpProduceRefusal | null {
    const refusal = this.httpRefusal(topic, clientId, sizeBytes);
    if (refusal !== null) {
      this.probe.httpRefusals += 1;
      return refusal;
    }
    this.byteRate.record(clientId, sizeBytes);
    this.inflight.acquire(sizeBytes);
    return null;
  }

  /** An admitted HTTP produce's appends settled: its bytes leave the in-flight budget. */
  releaseHttpProduce(sizeBytes: number): void {
    this.inflight.release(sizeBytes);
  }

  /** The HTTP produce route's admission (http-server.ts's ProduceGate). */
  readonly httpProduceGate = {
    admit: (topic: string, clientId: string, sizeBytes: number) =>
      this.admitHttpProduce(topic, clientId, sizeBytes),
    release: (sizeBytes: number) => this.releaseHttpProduce(sizeBytes),
  };

  private httpRefusal(
    topic: string,
    clientId: string,
    sizeBytes: number,
  ): HttpProduceRefusal | null {
    const retryAfterMs = httpProduceRetryAfterMs;
    const disk = this.diskBudget.refusal(topic, sizeBytes);
    if (disk !== null) {
      return {
        error: 'DISK_BUDGET_EXCEEDED',
        limit: disk.limit,
        message: disk.message,
        retryAfterMs,
      };
    }
    if (this.inflight.exhausted) {
      const message =
        `${this.inflight.inflightBytes} bytes of produce requests are in flight, ` +
        `queued.max.request.bytes=${this.inflight.bytesMax}`;
      const limit = 'queued.max.request.bytes';
      return { error: 'INFLIGHT_BYTES_EXCEEDED', limit, message, retryAfterMs };
    }
    const waitMs = this.byteRate.waitMs(clientId);
    if (waitMs > 0) {
      const message =
        `client '${clientId}' is over producer_byte_rate=${this.config.producerByteRate} ` +
        `bytes/s; retry in ${waitMs} ms`;
      const limit = 'producer_byte_rate';
      return { error: 'THROTTLING_QUOTA_EXCEEDED', limit, message, retryAfterMs: waitMs };
    }
    return null;
  }
}
