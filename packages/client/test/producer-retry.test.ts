// Proves the producer's retry rules against a scripted broker over real TCP, which answers
// Produce with the errors the test chooses: retriable errors are retried (after a metadata
// refresh when the error says the leader moved) and fatal ones are not; and close() fails, once
// its timeout is up, a batch the broker never answers.
import {
  decodeRecordBatch,
  ErrorCode,
  initProducerIdApi,
  metadataApi,
  type ProduceRequest,
  produceApi,
} from '@cairn/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClosedError } from '../src/errors.js';
import { Producer } from '../src/producer.js';
import {
  apiVersionsBody,
  type FakeBroker,
  responseBody,
  startFakeBroker,
} from './helpers/fake-broker.js';

/** What the scripted broker answers to each Produce, in order; undefined: stay silent. */
let produceAnswers: (number | undefined)[] = [];
const produced: ProduceRequest[] = [];
let broker: FakeBroker;
let port = 0;
let nextProducerId = 77;

beforeAll(async () => {
  broker = await startFakeBroker(({ header, body }) => {
    switch (header.apiKey) {
      case 18:
        return apiVersionsBody(header.apiVersion, {
          errorCode: 0,
          apiKeys: [
            { apiKey: 18, minVersion: 0, maxVersion: 3 },
            { apiKey: 3, minVersion: 0, maxVersion: 6 },
            { apiKey: 0, minVersion: 3, maxVersion: 7 },
            { apiKey: 22, minVersion: 0, maxVersion: 1 },
          ],
          throttleTimeMs: 0,
        });
      case 3: {
        const request = metadataApi.decodeRequest(body, header.apiVersion);
        // 'scripted' has a leader; 'leaderless' never gets one.
        const topics = (request.topics ?? []).map(({ name }) => {
          const leaderless = name === 'leaderless';
          return {
            errorCode: 0,
            name,
            isInternal: false,
            partitions: [
              {
                errorCode: leaderless ? ErrorCode.LEADER_NOT_AVAILABLE : 0,
                partitionIndex: 0,
                leaderId: leaderless ? -1 : 1,
                replicaNodes: [1],
                isrNodes: [1],
                offlineReplicas: [],
              },
            ],
          };
        });
        return responseBody(metadataApi, header.apiVersion, {
          throttleTimeMs: 0,
          brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
          clusterId: 'scripted',
          controllerId: 1,
          topics,
        });
      }
      case 22:
        return responseBody(initProducerIdApi, header.apiVersion, {
          throttleTimeMs: 0,
          errorCode: 0,
          producerId: nextProducerId++,
          producerEpoch: 0,
        });
      case 0: {
        produced.push(produceApi.decodeRequest(body, header.apiVersion));
        const errorCode = produceAnswers.shift();
        if (errorCode === undefined) return undefined;
        return responseBody(produceApi, header.apiVersion, {
          throttleTimeMs: 0,
          responses: [
            {
              name: 'scripted',
              partitionResponses: [
                {
                  index: 0,
                  errorCode,
                  baseOffset: errorCode === 0 ? 40 : -1,
                  logAppendTimeMs: -1,
                  logStartOffset: 0,
                },
              ],
            },
          ],
        });
      }
      default:
        return undefined;
    }
  });
  port = broker.port;
});

afterAll(async () => {
  await broker?.close();
});

beforeEach(() => {
  produced.length = 0;
  broker.requests.length = 0;
});

function newProducer(options: { deliveryTimeoutMs?: number; initialBackoffMs?: number } = {}) {
  return new Producer({
    bootstrap: [broker.bootstrap],
    retry: { retries: 5, initialBackoffMs: options.initialBackoffMs ?? 10, maxBackoffMs: 20 },
    ...(options.deliveryTimeoutMs === undefined
      ? {}
      : { deliveryTimeoutMs: options.deliveryTimeoutMs }),
  });
}

const metadataRequests = () => broker.requests.filter((header) => header.apiKey === 3).length;

describe('producer retries', () => {
  it('retries NOT_LEADER_OR_FOLLOWER after refreshing metadata, resending the same bytes', async () => {
    produceAnswers = [ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.NOT_LEADER_OR_FOLLOWER, 0];
    const producer = newProducer();
    const results = await producer.send('scripted', [{ value: 'a' }, { value: 'b' }]);
    expect(results).toEqual([
      { topic: 'scripted', partition: 0, offset: 40 },
      { topic: 'scripted', partition: 0, offset: 41 },
    ]);
    expect(produced).toHaveLength(3);
    const sent = produced.map((request) => request.topicData[0]?.partitionData[0]?.records);
    expect(sent[1]?.equals(sent[0]!)).toBe(true);
    expect(sent[2]?.equals(sent[0]!)).toBe(true);
    // One lookup before the first send, and one after each NOT_LEADER_OR_FOLLOWER.
    expect(metadataRequests()).toBeGreaterThanOrEqual(3);
    await producer.close();
  });

  it('does not retry a fatal error', async () => {
    produceAnswers = [ErrorCode.TOPIC_AUTHORIZATION_FAILED];
    const producer = newProducer();
    await expect(producer.send('scripted', [{ value: 'a' }])).rejects.toMatchObject({
      errorName: 'TOPIC_AUTHORIZATION_FAILED',
      retriable: false,
      topic: 'scripted',
      partition: 0,
    });
    expect(produced).toHaveLength(1);
    await producer.close();
  });

  it('takes a new producer id after a numbered batch failed, and numbers from 0 again', async () => {
    produceAnswers = [0, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 0];
    const producer = newProducer();
    await producer.send('scripted', [{ value: 'a' }, { value: 'b' }]);
    await expect(producer.send('scripted', [{ value: 'c' }])).rejects.toMatchObject({
      errorName: 'TOPIC_AUTHORIZATION_FAILED',
    });
    await producer.send('scripted', [{ value: 'd' }]);
    const batches = produced.map((request) =>
      decodeRecordBatch(request.topicData[0]!.partitionData[0]!.records!),
    );
    const first = batches[0]!.producerId;
    // Without a new id, 'd' would carry sequence 3 after the gap left by 'c' (sequence 2).
    expect(batches.map((batch) => [batch.producerId - first, batch.baseSequence])).toEqual([
      [0, 0],
      [0, 2],
      [1, 0],
    ]);
    expect(broker.requests.filter((header) => header.apiKey === 22)).toHaveLength(2);
    await producer.close();
  });

  it('gives up after the configured retries with the last error', async () => {
    produceAnswers = Array.from({ length: 10 }, () => ErrorCode.NOT_ENOUGH_REPLICAS);
    const producer = newProducer();
    await expect(producer.send('scripted', [{ value: 'a' }])).rejects.toMatchObject({
      errorName: 'NOT_ENOUGH_REPLICAS',
      retriable: true,
    });
    expect(produced).toHaveLength(6);
    await producer.close();
  });

  it('keeps asking for a missing leader, spaced by the backoff, until deliveryTimeoutMs', async () => {
    const producer = newProducer({ deliveryTimeoutMs: 400, initialBackoffMs: 50 });
    const started = Date.now();
    const error = await producer
      .send('leaderless', [{ value: 'nowhere' }])
      .catch((caught: unknown) => caught);
    const elapsedMs = Date.now() - started;
    expect(error).toMatchObject({
      errorName: 'REQUEST_TIMED_OUT',
      topic: 'leaderless',
      partition: 0,
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(390);
    expect(produced).toHaveLength(0);
    // About one lookup per 50 ms backoff, not a busy loop.
    expect(metadataRequests()).toBeGreaterThan(2);
    expect(metadataRequests()).toBeLessThan(elapsedMs / 50 + 5);
    await producer.close();
  });

  it('close() fails a batch the broker never answers once its timeout is up', async () => {
    produceAnswers = [undefined];
    const producer = newProducer();
    const pending = producer.send('scripted', [{ value: 'lost' }]).catch((error: unknown) => error);
    for (let attempt = 0; attempt < 100 && produced.length === 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(produced).toHaveLength(1);
    const started = Date.now();
    await producer.close({ timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(ClosedError);
  });
});
