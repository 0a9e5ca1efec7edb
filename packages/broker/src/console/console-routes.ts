/**
 * The web console: three static files (packages/broker/console/) served at `/` and
 * `/console/*`. The page is a client of the HTTP API (it fetches /topics, /groups, ...), so it
 * needs no server-side code of its own. The files are read once, when the routes register;
 * the same relative path works from src/ (tests) and dist/ (the built broker).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

const assetsDir = new URL('../../console/', import.meta.url);

const assets = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/console/console.js', file: 'console.js', type: 'text/javascript; charset=utf-8' },
  { route: '/console/console.css', file: 'console.css', type: 'text/css; charset=utf-8' },
] as const;

export async function registerConsoleRoutes(app: FastifyInstance): Promise<void> {
  for (const asset of assets) {
    const body = await readFile(new URL(asset.file, assetsDir));
    app.get(asset.route, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(asset.type).header('cache-control', 'no-cache').send(body),
    );
  }
}
