// Proves KafkaServer.close() waits for every request in flight, including one whose client
// disconnected before its answer: the handler keeps running (a CreateTopics keeps creating
// logs), and the broker must not close the logs under it. Found by the request fuzzer.
import { once } from 'node:events';
import { connect } from 'node:net';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import type { Dispatch } from '../../src/network/connection.js';
import { KafkaServer } from '../../src/network/kafka-server.js';

const limits = {
  frameBytesMax: 1024,
  inflightRequestsMax: 10,
  inflightBytesMax: 64 * 1024,
  idleMs: 60_000,
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

it('close() waits for a request whose client already disconnected', async () => {
  let started = false;
  let finished = false;
  const dispatch: Dispatch = async () => {
    started = true;
    await sleep(200);
    finished = true;
    return null;
  };
  const server = await KafkaServer.listen(
    {
      host: '127.0.0.1',
      port: 0,
      connectionsMax: 10,
      limits,
      shutdownGraceMs: 5_000,
      logger: pino({ level: 'silent' }),
    },
    dispatch,
  );
  const socket = connect(server.port, '127.0.0.1');
  await once(socket, 'connect');
  const frame = Buffer.alloc(4 + 10); // apiKey, apiVersion, correlationId, empty clientId
  frame.writeInt32BE(10);
  socket.write(frame);
  while (!started) await sleep(5);
  socket.destroy();
  while (server.connectionCount > 0) await sleep(5);

  await server.close();
  expect(finished).toBe(true);
});
