// Proves the connection layer over real TCP: version negotiation against the real broker
// (and the ApiVersions fallback against a scripted peer), a bounded pipelined window, a Produce
// request written as one writev of its parts with the batch buffer itself among them,
// request and connect timeouts against peers that never answer, and a clean close().
import * as net from 'node:net';
import {
  createTopicsApi,
  ErrorCode,
  encodeRecordBatch,
  listGroupsApi,
  metadataApi,
  produceApi,
  produceRecordsSharedBytesMin,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../src/connection.js';
import {
  ClosedError,
  ConnectionError,
  type KafkaClientError,
  TimeoutError,
} from '../src/errors.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';
import { apiVersionsBody, type FakeBroker, startFakeBroker } from './helpers/fake-broker.js';

let test: TestBroker;

beforeAll(async () => {
  test = await startTestBroker();
});

afterAll(async () => {
  await test?.stop();
});

function connectToBroker(options: { maxInflightRequests?: number } = {}) {
  return Connection.connect({ host: '127.0.0.1', port: test.broker.port, ...options });
}

const allTopics = { topics: null, allowAutoTopicCreation: false };

describe('Connection against the broker', () => {
  it('negotiates versions with ApiVersions and answers requests', async () => {
    const connection = await connectToBroker();
    expect(connection.apiVersions.get(produceApi.apiKey)?.maxVersion).toBeGreaterThanOrEqual(3);
    expect(connection.versionFor(metadataApi)).toBe(6);
    const response = await connection.send(metadataApi, 6, allTopics);
    expect(response.brokers).toEqual([
      { nodeId: 0, host: '127.0.0.1', port: test.broker.port, rack: null },
    ]);
    await connection.close();
    expect(connection.isOpen).toBe(false);
  });

  it('pipelines requests within a bounded in-flight window', async () => {
    const connection = await connectToBroker({ maxInflightRequests: 3 });
    const responses: Promise<unknown>[] = [];
    let maxInflight = 0;
    for (let index = 0; index < 20; index++) {
      responses.push(connection.send(metadataApi, 6, allTopics));
      maxInflight = Math.max(maxInflight, connection.inflightCount);
    }
    // Three written, seventeen waiting for a slot, none answered yet (same tick).
    expect(maxInflight).toBe(3);
    expect(connection.pendingCount).toBe(17);
    const settled = await Promise.all(responses);
    expect(settled).toHaveLength(20);
    expect(connection.inflightCount).toBe(0);
    await connection.close();
  });

  it('close() lets requests in flight finish, then refuses new ones', async () => {
    const connection = await connectToBroker();
    const inFlight = connection.send(listGroupsApi, connection.versionFor(listGroupsApi), {
      statesFilter: [],
    });
    const closing = connection.close();
    await expect(inFlight).resolves.toMatchObject({ errorCode: ErrorCode.NONE });
    await closing;
    await expect(connection.send(metadataApi, 6, allTopics)).rejects.toBeInstanceOf(ClosedError);
  });

  it('writes a Produce request as one writev of parts, the batch not copied', async () => {
    const writes: Buffer[][] = [];
    const connection = await Connection.connect({
      host: '127.0.0.1',
      port: test.broker.port,
      socketFactory: ({ host, port }) => {
        const socket = net.connect({ host, port });
        const writev = socket._writev!.bind(socket);
        socket._writev = (chunks, callback) => {
          writes.push(chunks.map((entry) => entry.chunk as Buffer));
          writev(chunks, callback);
        };
        return socket;
      },
    });
    const created = await connection.send(createTopicsApi, 2, {
      topics: [
        { name: 'parts', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    expect(created.topics[0]?.errorCode).toBe(ErrorCode.NONE);
    const values = Array.from({ length: 64 }, (_, index) => Buffer.alloc(1_000, index));
    const batch = encodeRecordBatch({ records: values.map((value) => ({ key: null, value })) });
    expect(batch.length).toBeGreaterThanOrEqual(produceRecordsSharedBytesMin);
    const response = await connection.send(produceApi, connection.versionFor(produceApi), {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5_000,
      topicData: [{ name: 'parts', partitionData: [{ index: 0, records: batch }] }],
    });
    expect(response.responses[0]?.partitionResponses[0]).toMatchObject({
      errorCode: ErrorCode.NONE,
      baseOffset: 0,
    });
    expect(test.broker.registry.partitionLog('parts', 0)?.logEndOffset).toBe(64);
    // Header and fields, the batch itself, nothing after it: one writev.
    const produceWrite = writes.find((chunks) => chunks.includes(batch));
    expect(produceWrite).toHaveLength(2);
    await connection.close();
  });

  it('refuses a version the broker does not support', async () => {
    const connection = await connectToBroker();
    const tooNew = { ...metadataApi, minVersion: 50, maxVersion: 60 };
    expect(() => connection.versionFor(tooNew)).toThrow(/UNSUPPORTED_VERSION/);
    await connection.close();
  });
});

describe('Connection against scripted peers', () => {
  let silent: FakeBroker;
  let oldBroker: FakeBroker;

  beforeAll(async () => {
    // Answers ApiVersions, then never anything else.
    silent = await startFakeBroker(({ header }) =>
      header.apiKey === 18
        ? apiVersionsBody(header.apiVersion, {
            errorCode: 0,
            apiKeys: [
              { apiKey: 18, minVersion: 0, maxVersion: 3 },
              { apiKey: 3, minVersion: 0, maxVersion: 6 },
            ],
            throttleTimeMs: 0,
          })
        : undefined,
    );
    // Knows ApiVersions only up to v2: a v3 request gets UNSUPPORTED_VERSION in a v0 body.
    oldBroker = await startFakeBroker(({ header }) => {
      if (header.apiKey !== 18) return undefined;
      const apiKeys = [{ apiKey: 18, minVersion: 0, maxVersion: 2 }];
      if (header.apiVersion > 2) {
        return apiVersionsBody(0, {
          errorCode: ErrorCode.UNSUPPORTED_VERSION,
          apiKeys,
          throttleTimeMs: 0,
        });
      }
      return apiVersionsBody(header.apiVersion, { errorCode: 0, apiKeys, throttleTimeMs: 0 });
    });
  });

  afterAll(async () => {
    await silent?.close();
    await oldBroker?.close();
  });

  it('falls back to the ApiVersions version the broker supports', async () => {
    const connection = await Connection.connect({ host: '127.0.0.1', port: oldBroker.port });
    expect(oldBroker.requests.map((header) => header.apiVersion)).toEqual([3, 2]);
    expect(connection.apiVersions.get(18)).toEqual({ apiKey: 18, minVersion: 0, maxVersion: 2 });
    await connection.close();
  });

  it('fails an unanswered request with TimeoutError and closes the connection', async () => {
    const connection = await Connection.connect({
      host: '127.0.0.1',
      port: silent.port,
      requestTimeoutMs: 150,
    });
    const started = Date.now();
    const first = connection.send(metadataApi, 6, allTopics);
    const second = connection.send(metadataApi, 6, allTopics, { timeoutMs: 5_000 });
    const firstError = await first.catch((error: unknown) => error);
    expect(firstError).toBeInstanceOf(TimeoutError);
    expect(firstError).toMatchObject({ retriable: true, errorName: 'REQUEST_TIMED_OUT' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    // The connection's state is unknown after a timeout: the others fail at once.
    await expect(second).rejects.toBeInstanceOf(ConnectionError);
    expect(connection.isOpen).toBe(false);
  });

  it('times out a connect whose ApiVersions is never answered', async () => {
    // Reads and drops everything (resume), so that it sees the client hang up.
    const mute = net.createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    const port = (mute.address() as net.AddressInfo).port;
    const error = await Connection.connect({
      host: '127.0.0.1',
      port,
      connectTimeoutMs: 100,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TimeoutError);
    await new Promise((resolve) => mute.close(resolve));
  });

  it('reports a refused connection as a retriable ConnectionError', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await Connection.connect({ host: '127.0.0.1', port }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as KafkaClientError).retriable).toBe(true);
  });

  it('fails requests in flight when the peer drops the connection', async () => {
    const connection = await Connection.connect({ host: '127.0.0.1', port: silent.port });
    const pending = connection.send(metadataApi, 6, allTopics);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const socket of silent.sockets) socket.destroy();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
  });
});
