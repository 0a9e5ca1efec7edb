// Proves the connection-level mechanisms behind the quotas over real sockets, with a dispatch
// that stands in for the handlers: a muted connection reads nothing for the throttle time, and
// holds its responses too when asked (clients before KIP-219); a spent broker-wide budget of
// in-flight Produce bytes stops other connections from reading until the bytes are released.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import type { ConnectionInfo, Dispatch } from '../../src/network/connection.js';
import { KafkaServer } from '../../src/network/kafka-server.js';
import { InflightBudget } from '../../src/quotas/inflight-budget.js';

const limits = {
  frameBytesMax: 1024,
  inflightRequestsMax: 10,
  inflightBytesMax: 64 * 1024,
  idleMs: 60_000,
};

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups.length = 0;
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function listen(dispatch: Dispatch, budget?: InflightBudget): Promise<KafkaServer> {
  const server = await KafkaServer.listen(
    {
      host: '127.0.0.1',
      port: 0,
      connectionsMax: 10,
      limits: budget === undefined ? limits : { ...limits, produceBudget: budget },
      shutdownGraceMs: 1_000,
      logger: pino({ level: 'silent' }),
    },
    dispatch,
  );
  cleanups.push(() => server.close());
  return server;
}

async function client(server: KafkaServer): Promise<Socket> {
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  cleanups.push(() => socket.destroy());
  return socket;
}

/** A request frame: apiKey, apiVersion, correlationId, empty clientId. */
function frame(apiKey: number, correlationId: number): Buffer {
  const bytes = Buffer.alloc(4 + 10);
  bytes.writeInt32BE(10, 0);
  bytes.writeInt16BE(apiKey, 4);
  bytes.writeInt32BE(correlationId, 8);
  return bytes;
}

/** A response frame carrying only the correlation id. */
function response(request: Buffer): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeInt32BE(4, 0);
  bytes.writeInt32BE(request.readInt32BE(4), 4);
  return bytes;
}

/** Correlation ids of responses as they arrive, with the time each came. */
function responses(socket: Socket): Array<{ correlationId: number; atMs: number }> {
  const seen: Array<{ correlationId: number; atMs: number }> = [];
  socket.on('data', (chunk: Buffer) => {
    for (let position = 0; position + 8 <= chunk.length; position += 8) {
      seen.push({ correlationId: chunk.readInt32BE(position + 4), atMs: performance.now() });
    }
  });
  return seen;
}

it('a muted connection reads nothing for the throttle time, and holds responses if asked', async () => {
  const dispatchedAt = new Map<number, number>();
  const dispatch: Dispatch = async (request, connection: ConnectionInfo) => {
    const correlationId = request.readInt32BE(4);
    dispatchedAt.set(correlationId, performance.now());
    if (correlationId === 1) connection.mute?.(300, false);
    if (correlationId === 3) connection.mute?.(300, true);
    return response(request);
  };
  const server = await listen(dispatch);
  const socket = await client(server);
  const seen = responses(socket);

  const start = performance.now();
  socket.write(frame(0, 1));
  await sleep(50);
  socket.write(frame(0, 2));
  while (seen.length < 2) await sleep(5);
  // KIP-219: the throttled response is sent at once; the next request waits to be read.
  expect(seen[0]!.atMs - start).toBeLessThan(200);
  expect(dispatchedAt.get(2)! - start).toBeGreaterThanOrEqual(290);

  const held = performance.now();
  socket.write(frame(0, 3));
  while (seen.length < 3) await sleep(5);
  expect(seen[2]!.atMs - held).toBeGreaterThanOrEqual(290);
});

it('a spent produce budget stops every connection reading until bytes are released', async () => {
  const budget = new InflightBudget(1);
  const releases: Array<() => void> = [];
  const dispatched: number[] = [];
  const dispatch: Dispatch = async (request) => {
    dispatched.push(request.readInt32BE(4));
    // Produce requests finish when the test says; other APIs at once.
    if (request.readInt16BE(0) === 0) await new Promise<void>((resolve) => releases.push(resolve));
    return response(request);
  };
  const server = await listen(dispatch, budget);
  const producer = await client(server);
  const other = await client(server);
  const seen = responses(other);

  producer.write(frame(0, 1));
  while (dispatched.length < 1) await sleep(5);
  expect(budget.exhausted).toBe(true);
  // The other connection's first read is handled (it was already read), then it pauses.
  other.write(frame(3, 10));
  while (seen.length < 1) await sleep(5);
  other.write(frame(3, 11));
  await sleep(100);
  expect(dispatched).toEqual([1, 10]);
  expect(budget.waitCount).toBeGreaterThan(0);

  releases.shift()!();
  while (seen.length < 2) await sleep(5);
  expect(dispatched).toEqual([1, 10, 11]);
  expect(budget.inflightBytes).toBe(0);
});
