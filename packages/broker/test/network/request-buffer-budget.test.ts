// Proves the broker-wide budget of buffered request bytes holds over real sockets: many
// connections that each send part of a large frame reserve no more than the budget (the rest
// stop being read, nothing is refused), a well-behaved client is served meanwhile, a waiting
// frame is read once the budget drops, and idle-timed-out connections give their bytes back.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker } from '../../src/broker.js';
import type { Dispatch } from '../../src/network/connection.js';
import { KafkaServer } from '../../src/network/kafka-server.js';

const MiB = 1024 * 1024;
const budgetBytes = 4 * MiB;
const largeFrameBytes = 3 * MiB;
const hostileCount = 20;
/** What each hostile connection sends of its large frame. */
const partBytes = 64 * 1024;

const sockets: Socket[] = [];
const servers: KafkaServer[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The size prefix and the first `bodyBytes` of a frame of `sizeBytes` (header-shaped bytes). */
function framePart(sizeBytes: number, bodyBytes: number): Buffer {
  const part = Buffer.alloc(4 + bodyBytes, 0x61);
  part.writeInt32BE(sizeBytes, 0);
  return part;
}

/** Answers each request with its size: [int32 4][int32 request bytes]. */
const echoSize: Dispatch = async (frame) => {
  const response = Buffer.alloc(8);
  response.writeInt32BE(4, 0);
  response.writeInt32BE(frame.length, 4);
  return response;
};

async function listen(idleMs = 60_000): Promise<KafkaServer> {
  const server = await KafkaServer.listen(
    {
      host: '127.0.0.1',
      port: 0,
      connectionsMax: 100,
      limits: {
        frameBytesMax: 16 * MiB,
        inflightRequestsMax: 10,
        inflightBytesMax: 16 * MiB,
        idleMs,
      },
      requestBufferBytesMax: budgetBytes,
      requestBufferSmallFrameBytesMax: 64 * 1024,
      shutdownGraceMs: 1_000,
      logger: pino({ level: 'silent' }),
    },
    echoSize,
  );
  servers.push(server);
  return server;
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Resolves with the request size the echo server reports in its next response. */
function nextAnswer(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      socket.off('data', onData);
      resolve(received.readInt32BE(4));
    };
    socket.on('data', onData);
  });
}

async function openHostile(port: number): Promise<Socket[]> {
  const hostile: Socket[] = [];
  for (let index = 0; index < hostileCount; index++) {
    const socket = await open(port);
    socket.write(framePart(largeFrameBytes, partBytes));
    hostile.push(socket);
  }
  return hostile;
}

describe('the request buffer budget', () => {
  it('reserves at most the budget for half-sent frames and keeps serving small requests', async () => {
    const server = await listen();
    const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
    await openHostile(server.port);
    // One 3 MiB frame fits the 4 MiB budget; the 19 others wait, not read further.
    await until(() => server.requestBufferWaiterCount === hostileCount - 1, 'waiters');
    expect(server.requestBufferBytes).toBe(largeFrameBytes);
    expect(server.connectionCount).toBe(hostileCount);
    // Without the budget this would be 20 x 3 MiB allocated; now one frame and 19 parts.
    const grownBytes = process.memoryUsage().arrayBuffers - arrayBuffersBefore;
    expect(grownBytes).toBeLessThan(largeFrameBytes + hostileCount * 2 * partBytes + 4 * MiB);

    const client = await open(server.port);
    const answer = nextAnswer(client);
    client.write(framePart(1_000, 1_000));
    expect(await answer).toBe(1_000);
  });

  it('reads a waiting frame once the budget drops, and releases every byte', async () => {
    const server = await listen();
    const hostile = await openHostile(server.port);
    await until(() => server.requestBufferWaiterCount === hostileCount - 1, 'waiters');

    // 2 MiB do not fit beside the 3 MiB reserved: this client waits behind the others.
    const client = await open(server.port);
    const answer = nextAnswer(client);
    const frameBytes = 2 * MiB;
    client.write(framePart(frameBytes, frameBytes));
    await until(() => server.requestBufferWaiterCount === hostileCount, 'the client to wait');
    let answered = false;
    answer.then(() => {
      answered = true;
    });
    await sleep(50);
    expect(answered).toBe(false);

    for (const socket of hostile) socket.destroy();
    expect(await answer).toBe(frameBytes);
    await until(() => server.requestBufferBytes === 0, 'every reservation released');
    expect(server.requestBufferWaiterCount).toBe(0);
  });

  it('gives back the bytes of connections closed by the idle timeout', async () => {
    const server = await listen(300);
    await openHostile(server.port);
    await until(() => server.requestBufferBytes === largeFrameBytes, 'a reservation');
    await until(() => server.connectionCount === 0, 'idle connections to close', 3_000);
    expect(server.requestBufferBytes).toBe(0);
    expect(server.requestBufferWaiterCount).toBe(0);
  });

  it('refuses a frame larger than the whole budget, as oversized', async () => {
    const server = await listen();
    const socket = await open(server.port);
    socket.write(framePart(budgetBytes + 1, 16));
    await once(socket, 'close');
    expect(server.requestBufferBytes).toBe(0);
  });
});

describe('the broker under half-sent frames', () => {
  it('serves a kafkajs producer while 20 connections hold partial 3 MiB frames', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-request-buffer-'));
    const broker = await startBroker({
      dataDir,
      kafkaPort: 0,
      requestBufferBytesBrokerMax: budgetBytes,
    });
    try {
      const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
      await openHostile(broker.port);
      await sleep(100);
      // 20 x 3 MiB without the budget; one frame and 19 parts with it.
      const grownBytes = process.memoryUsage().arrayBuffers - arrayBuffersBefore;
      expect(grownBytes).toBeLessThan(largeFrameBytes + hostileCount * 2 * partBytes + 4 * MiB);
      const kafka = new Kafka({
        clientId: 'well-behaved',
        brokers: [broker.bootstrap],
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      const messages = Array.from({ length: 100 }, (_, index) => ({ value: `m${index}` }));
      await producer.send({ topic: 'served', messages, acks: -1 });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets('served');
      await admin.disconnect();
      expect(offsets).toEqual([expect.objectContaining({ partition: 0, high: '100' })]);
    } finally {
      for (const socket of sockets.splice(0)) socket.destroy();
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
