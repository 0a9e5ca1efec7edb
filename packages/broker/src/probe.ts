/**
 * The broker's counters, kept as plain numbers on the hot paths and read by the metrics
 * exporter at scrape time (Redpanda's probe.h): recording is an add, never an allocation.
 */
export interface ApiCounters {
  requests: number;
  latencyMsTotal: number;
}

export class BrokerProbe {
  readonly apis = new Map<string, ApiCounters>();
  bytesProduced = 0;
  recordsProduced = 0;
  bytesFetched = 0;

  recordRequest(apiName: string, latencyMs: number): void {
    let counters = this.apis.get(apiName);
    if (counters === undefined) {
      counters = { requests: 0, latencyMsTotal: 0 };
      this.apis.set(apiName, counters);
    }
    counters.requests += 1;
    counters.latencyMsTotal += latencyMs;
  }
}
