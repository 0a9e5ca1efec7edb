/**
 * GET /metrics: the Prometheus text exposition of the broker's registry, on the HTTP API's
 * fastify instance (an HttpExtension, http/http-server.ts). Answers 503 NOT_READY, like the
 * API routes, until the broker is ready.
 */
import { assert } from '@cairn/protocol';
import type { HttpExtension } from '../http/http-server.js';
import type { BrokerMetrics } from './broker-metrics.js';

export function metricsRoute(current: () => BrokerMetrics | null): HttpExtension {
  return (app, services) => {
    app.get(
      '/metrics',
      {
        schema: {
          description: 'Prometheus metrics (text exposition format 0.0.4)',
          tags: ['metrics'],
          produces: ['text/plain'],
          response: { 200: { type: 'string' } },
        },
      },
      async (_request, reply) => {
        services();
        const metrics = current();
        assert(metrics !== null, 'the metrics exist before the broker is ready');
        const text = await metrics.scrape();
        return reply.type(metrics.contentType).send(text);
      },
    );
  };
}
