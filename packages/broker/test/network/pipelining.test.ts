// Proves the connection's flow rules over real sockets, with a dispatch that stands in for the
// handlers and finishes requests when the test says: pipelined requests are answered strictly
// in arrival order whatever order their handlers finish in; at most inflightRequestsMax are
// handled at once per connection and at most about inflightBytesMax are held, reading pausing
// until they drain; a client that does not read its responses stops the broker reading its
// requests (socket backpressure) instead of the broker buffering without bound; and close()
// lets every request already read finish and delivers its whole response before closing.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionLimits, Dispatch } from '../../src/network/connection.js';
import { KafkaServer } from '../../src/network/kafka-server.js';

const SIZE_BYTES = 4;
const HEADER_BYTES = 10; // apiKey, apiVersion, correlationId, empty clientId

const limits: ConnectionLimits = {
  frameBytesMax: 64 * 1024,
  inflightRequestsMax: 10,
  inflightBytesMax: 1024 * 1024,
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

async function listen(dispatch: Dispatch, overrides: Partial<ConnectionLimits> = {}) {
  const server = await KafkaServer.listen(
    {
      host: '127.0.0.1',
      port: 0,
      connectionsMax: 10,
      limits: { ...limits, ...overrides },
      shutdownGraceMs: 5_000,
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

/** A request frame with `padding` bytes of body after the header. */
function frame(correlationId: number, padding = 0): Buffer {
  const bytes = Buffer.alloc(SIZE_BYTES + HEADER_BYTES + padding);
  bytes.writeInt32BE(HEADER_BYTES + padding, 0);
  bytes.writeInt32BE(correlationId, SIZE_BYTES + 4);
  return bytes;
}

const correlationIdOf = (request: Buffer) => request.readInt32BE(4);

/** A response frame: the correlation id, then `padding` bytes. */
function response(request: Buffer, padding = 0): Buffer {
  const bytes = Buffer.alloc(SIZE_BYTES + 4 + padding);
  bytes.writeInt32BE(4 + padding, 0);
  bytes.writeInt32BE(correlationIdOf(request), SIZE_BYTES);
  return bytes;
}

/** Collects whole response frames as they arrive: their correlation ids and sizes. */
function responses(socket: Socket) {
  const seen: Array<{ correlationId: number; sizeBytes: number }> = [];
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= SIZE_BYTES + 4) {
      const size = pending.readInt32BE(0);
      if (pending.length < SIZE_BYTES + size) break;
      seen.push({ correlationId: pending.readInt32BE(SIZE_BYTES), sizeBytes: size });
      pending = pending.subarray(SIZE_BYTES + size);
    }
  });
  return seen;
}

/** A dispatch whose requests finish when `finish(correlationId)` is called. */
function heldDispatch(responsePadding = 0) {
  const waiting = new Map<number, () => void>();
  const dispatched: number[] = [];
  const dispatch: Dispatch = async (request) => {
    const correlationId = correlationIdOf(request);
    dispatched.push(correlationId);
    await new Promise<void>((resolve) => waiting.set(correlationId, resolve));
    return response(request, responsePadding);
  };
  const finish = (correlationId: number) => {
    const resolve = waiting.get(correlationId);
    if (resolve === undefined) throw new Error(`request ${correlationId} is not waiting`);
    waiting.delete(correlationId);
    resolve();
  };
  return { dispatch, dispatched, finish, waiting };
}

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(5);
  }
}

describe('pipelined requests', () => {
  it('are answered in arrival order whatever order their handlers finish in', async () => {
    const held = heldDispatch();
    const server = await listen(held.dispatch);
    const socket = await client(server);
    const seen = responses(socket);
    const ids = [1, 2, 3, 4, 5, 6, 7, 8];
    socket.write(Buffer.concat(ids.map((id) => frame(id))));
    await until(() => held.dispatched.length === ids.length);
    // Every handler runs at once (pipelining), and they finish last to first.
    for (const id of [...ids].reverse().slice(0, -1)) held.finish(id);
    await sleep(50);
    expect(seen).toEqual([]);
    held.finish(1);
    await until(() => seen.length === ids.length);
    expect(seen.map((entry) => entry.correlationId)).toEqual(ids);
  });

  it('are handled at most inflightRequestsMax at a time; reading resumes as they finish', async () => {
    const held = heldDispatch();
    const server = await listen(held.dispatch, { inflightRequestsMax: 4 });
    const socket = await client(server);
    const seen = responses(socket);
    // One write per frame, so that frames arrive after the pause, not all in the first chunk.
    for (let id = 1; id <= 12; id++) {
      socket.write(frame(id));
      await sleep(2);
    }
    await sleep(100);
    expect(held.dispatched.length).toBeLessThanOrEqual(5);
    for (let id = 1; id <= 12; id++) {
      await until(() => held.waiting.has(id));
      held.finish(id);
    }
    await until(() => seen.length === 12);
    expect(seen.map((entry) => entry.correlationId)).toEqual(
      Array.from({ length: 12 }, (_, index) => index + 1),
    );
  });

  it('hold at most about inflightBytesMax of requests before reading pauses', async () => {
    const held = heldDispatch();
    const requestPadding = 10_000;
    const server = await listen(held.dispatch, {
      inflightRequestsMax: 100,
      inflightBytesMax: 4 * requestPadding,
    });
    const socket = await client(server);
    for (let id = 1; id <= 20; id++) {
      socket.write(frame(id, requestPadding));
      await sleep(2);
    }
    await sleep(100);
    expect(held.dispatched.length).toBeLessThanOrEqual(6);
    for (let id = 1; id <= 20; id++) {
      await until(() => held.waiting.has(id));
      held.finish(id);
    }
  });
});

describe('socket backpressure', () => {
  it('stops reading requests from a client that does not read its responses', async () => {
    const responsePadding = 256 * 1024;
    let dispatched = 0;
    const dispatch: Dispatch = async (request) => {
      dispatched += 1;
      return response(request, responsePadding);
    };
    const server = await listen(dispatch, { inflightRequestsMax: 100 });
    const socket = await client(server);
    socket.pause();
    const requestCount = 200;
    for (let id = 1; id <= requestCount; id++) {
      socket.write(frame(id));
      await sleep(1);
    }
    await sleep(200);
    // 200 responses would be 50 MiB; the broker holds a bounded few before it stops reading.
    expect(dispatched).toBeLessThan(requestCount / 2);
    const seen = responses(socket);
    socket.resume();
    await until(() => seen.length === requestCount, 15_000);
    expect(seen.map((entry) => entry.correlationId)).toEqual(
      Array.from({ length: requestCount }, (_, index) => index + 1),
    );
  });
});

describe('close()', () => {
  it('finishes requests already read and answers them before closing', async () => {
    const held = heldDispatch();
    const server = await listen(held.dispatch);
    const socket = await client(server);
    const seen = responses(socket);
    socket.write(Buffer.concat([frame(1), frame(2), frame(3)]));
    await until(() => held.dispatched.length === 3);
    const closed = server.close();
    await sleep(50);
    for (const id of [3, 1, 2]) held.finish(id);
    await closed;
    await until(() => seen.length === 3);
    expect(seen.map((entry) => entry.correlationId)).toEqual([1, 2, 3]);
  });
});

describe('close() with a large response still in the socket buffer', () => {
  it('sends the whole response before closing the socket', async () => {
    const responseBytes = 16 * 1024 * 1024;
    const dispatch: Dispatch = async (request) => response(request, responseBytes);
    const server = await listen(dispatch);
    const socket = await client(server);
    // The client reads nothing at first, so most of the 16 MiB waits in the broker's buffer.
    const seen = responses(socket);
    socket.pause();
    socket.write(frame(1));
    await sleep(100);
    const closed = server.close();
    await sleep(100);
    socket.resume();
    await closed;
    await until(() => seen.length === 1 || socket.destroyed, 10_000);
    expect(seen).toEqual([{ correlationId: 1, sizeBytes: 4 + responseBytes }]);
  });
});
