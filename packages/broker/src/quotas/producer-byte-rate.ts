/**
 * The produce byte-rate quota per client id (Kafka's `producer_byte_rate` client quota), as a
 * token bucket: each client id earns `bytesPerSecond` tokens a second, up to a burst of
 * `burstSeconds` worth, and every produced byte spends one. A request is always accepted (as
 * in Kafka, the bytes are already read); when it leaves the bucket in debt, the client is
 * throttled for as long as the rate takes to repay it, so its throughput settles at the rate.
 *
 * Buckets are kept for at most `clientsMax` client ids; past it the least recently seen is
 * forgotten (it comes back with a full bucket).
 */
import type { Clock } from '@cairn/log';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export interface ProducerByteRateOptions {
  /** Bytes a second per client id; -1 = no quota. */
  bytesPerSecond: number;
  burstSeconds: number;
  throttleTimeMsMax: number;
  clientsMax: number;
  clock: Clock;
}

export class ProducerByteRate {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: ProducerByteRateOptions) {}

  get enabled(): boolean {
    return this.options.bytesPerSecond >= 0;
  }

  get clientCount(): number {
    return this.buckets.size;
  }

  /** Spends `sizeBytes` of the client's tokens; returns the throttle time in ms (0: none). */
  record(clientId: string, sizeBytes: number): number {
    if (!this.enabled) return 0;
    const bucket = this.refilled(clientId);
    bucket.tokens -= sizeBytes;
    return this.debtMs(bucket);
  }

  /** How long the client must wait before its bucket is out of debt, without spending. */
  waitMs(clientId: string): number {
    if (!this.enabled) return 0;
    return this.debtMs(this.refilled(clientId));
  }

  private debtMs(bucket: Bucket): number {
    if (bucket.tokens >= 0) return 0;
    const rate = Math.max(this.options.bytesPerSecond, 1);
    const ms = Math.ceil((-bucket.tokens / rate) * 1000);
    return Math.min(ms, this.options.throttleTimeMsMax);
  }

  /** The client's bucket with the tokens earned since it was last seen, most recent last. */
  private refilled(clientId: string): Bucket {
    const { bytesPerSecond, burstSeconds, clientsMax, clock } = this.options;
    const now = clock.now();
    const burst = bytesPerSecond * burstSeconds;
    let bucket = this.buckets.get(clientId);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedMs: now };
      while (this.buckets.size >= clientsMax) {
        const oldest = this.buckets.keys().next();
        if (oldest.done === true) break;
        this.buckets.delete(oldest.value);
      }
    } else {
      const earned = (Math.max(now - bucket.updatedMs, 0) / 1000) * bytesPerSecond;
      bucket.tokens = Math.min(bucket.tokens + earned, burst);
      bucket.updatedMs = now;
      this.buckets.delete(clientId);
    }
    this.buckets.set(clientId, bucket);
    return bucket;
  }
}
