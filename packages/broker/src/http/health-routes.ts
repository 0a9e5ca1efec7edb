/**
 * GET /healthz: the process is alive and serving HTTP (always 200 while it listens).
 * GET /readyz: the broker can take traffic: its logs are open and recovered and the Kafka
 * listener accepts; 503 before that and once shutdown has begun.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './http-server.js';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' } },
} as const;

export function registerHealthRoutes(app: FastifyInstance, context: HttpContext): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: logs opened and the Kafka listener accepting',
        response: { 200: statusSchema, 503: statusSchema },
      },
    },
    async (_request, reply) => {
      if (context.isReady()) return { status: 'ready' };
      return reply.code(503).send({ status: 'starting or stopping' });
    },
  );
}
