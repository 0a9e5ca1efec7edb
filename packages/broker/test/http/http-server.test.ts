// Proves the HTTP server's lifecycle: before the broker attaches its services /healthz is 200
// while /readyz and every API route (and an extension calling services()) answer 503
// NOT_READY, built with app.inject(); the OpenAPI document lists every route the server has
// (the broker's extensions included) but the console's files; and a broker whose data dir is
// locked fails to start without keeping its HTTP port.

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import { registerConsoleRoutes } from '../../src/console/console-routes.js';
import { createHttpServer } from '../../src/http/http-server.js';
import { metricsRoute } from '../../src/metrics/metrics-route.js';

describe('HTTP server lifecycle', () => {
  it('is alive but not ready until the broker attaches', async () => {
    const server = await createHttpServer({
      logger: pino({ level: 'silent' }),
      extensions: [
        (app, services) => {
          app.get('/extension', async () => ({ topics: services().registry.topicCount }));
        },
      ],
    });
    try {
      const health = await server.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      const ready = await server.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      for (const url of ['/topics', '/groups', '/topics/t/partitions/0/records', '/extension']) {
        const answer = await server.app.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(503);
        expect(answer.json(), url).toMatchObject({ error: 'NOT_READY' });
      }
    } finally {
      await server.close();
    }
  });

  it('lists every route it serves in its OpenAPI document', async () => {
    const server = await createHttpServer({
      logger: pino({ level: 'silent' }),
      extensions: [metricsRoute(() => null), registerConsoleRoutes],
    });
    try {
      const answer = await server.app.inject({ method: 'GET', url: '/openapi.json' });
      const paths = (answer.json() as { paths: Record<string, Record<string, unknown>> }).paths;
      const documented = Object.entries(paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const served = server.routes
        .filter(({ hidden }) => !hidden)
        .map(({ route }) => route.replace(/:(\w+)/g, '{$1}'));
      expect(served.length).toBeGreaterThan(15);
      expect(served).toContain('GET /metrics');
      expect(documented.sort()).toEqual(served.sort());
      const hidden = server.routes.filter(({ hidden }) => hidden).map(({ route }) => route);
      expect(hidden.sort()).toEqual([
        'GET /',
        'GET /console/console.css',
        'GET /console/console.js',
        'GET /openapi.json',
      ]);
    } finally {
      await server.close();
    }
  });

  it('releases its HTTP port when the data dir cannot be opened', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-http-lock-'));
    const first = await startBroker({ dataDir, kafkaPort: 0 });
    const port = await freePort();
    try {
      await expect(startBroker({ dataDir, kafkaPort: 0, httpPort: port })).rejects.toThrow();
      // The port is free again: the failed start closed its listener.
      await new Promise<void>((resolve, reject) => {
        const probe = createServer();
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
      });
    } finally {
      await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
