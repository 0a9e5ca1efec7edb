/**
 * Counters of the HTTP API's requests, kept as plain numbers (as probe.ts keeps the Kafka
 * requests') and read by the metrics at scrape time: requests by route, method and status
 * code, and a latency histogram by route. One fastify onResponse hook records each request;
 * the route is fastify's pattern (`/topics/:topic/records`), never the URL, so the label
 * values stay bounded; requests that match no route count under `unmatched`.
 */
import type { HttpExtension } from '../http/http-server.js';
import { BucketCounts, requestSecondsBuckets } from './bucket-counts.js';

export interface HttpRouteCounters {
  readonly route: string;
  readonly method: string;
  /** Requests answered, by status code. */
  readonly requestsByStatus: Map<number, number>;
  readonly latencySeconds: BucketCounts;
}

/** The label of requests that matched no route (404 NOT_FOUND). */
export const unmatchedRoute = 'unmatched';

export class HttpProbe {
  /** By `${method} ${route}`. */
  readonly routes = new Map<string, HttpRouteCounters>();

  recordRequest(method: string, route: string, statusCode: number, latencySeconds: number): void {
    const key = `${method} ${route}`;
    let counters = this.routes.get(key);
    if (counters === undefined) {
      counters = {
        route,
        method,
        requestsByStatus: new Map(),
        latencySeconds: new BucketCounts(requestSecondsBuckets),
      };
      this.routes.set(key, counters);
    }
    const byStatus = counters.requestsByStatus;
    byStatus.set(statusCode, (byStatus.get(statusCode) ?? 0) + 1);
    counters.latencySeconds.observe(latencySeconds);
  }
}

/** The HttpExtension that records every answered request in `probe`. */
export function httpRequestMetrics(probe: HttpProbe): HttpExtension {
  return (app) => {
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? unmatchedRoute;
      probe.recordRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  };
}
