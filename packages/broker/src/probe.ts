/**
 * The broker's counters, kept as plain numbers on the hot paths and read by the metrics
 * exporter at scrape time (Redpanda's probe.h): recording is an add, never an allocation
 * (a Map entry is created once per API, error code or topic, the first time it is seen).
 */
import { BucketCounts, requestSecondsBuckets } from './metrics/bucket-counts.js';

export interface ApiCounters {
  /** Requests answered, by the error code that answered them (0 for none). */
  readonly requestsByErrorCode: Map<number, number>;
  readonly latencySeconds: BucketCounts;
}

/** Bytes and records produced to and fetched from one topic (records from batch headers). */
export interface TopicCounters {
  producedBytes: number;
  producedRecords: number;
  fetchedBytes: number;
  fetchedRecords: number;
}

export class BrokerProbe {
  readonly apis = new Map<string, ApiCounters>();
  readonly topics = new Map<string, TopicCounters>();
  bytesProduced = 0;
  recordsProduced = 0;
  bytesFetched = 0;

  recordRequest(apiName: string, errorCode: number, latencySeconds: number): void {
    let counters = this.apis.get(apiName);
    if (counters === undefined) {
      counters = {
        requestsByErrorCode: new Map(),
        latencySeconds: new BucketCounts(requestSecondsBuckets),
      };
      this.apis.set(apiName, counters);
    }
    const byCode = counters.requestsByErrorCode;
    byCode.set(errorCode, (byCode.get(errorCode) ?? 0) + 1);
    counters.latencySeconds.observe(latencySeconds);
  }

  /** The counters of `topic`, created at first use. */
  topic(name: string): TopicCounters {
    let counters = this.topics.get(name);
    if (counters === undefined) {
      counters = { producedBytes: 0, producedRecords: 0, fetchedBytes: 0, fetchedRecords: 0 };
      this.topics.set(name, counters);
    }
    return counters;
  }
}
