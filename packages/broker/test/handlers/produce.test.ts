// Proves the Produce path's answers over a real socket to a real broker, request by request:
// the acks rules (0 answers nothing, 1 and -1 the offsets, -1 only once fsync'd, anything else
// INVALID_REQUIRED_ACKS), Kafka's error codes for oversized, corrupt, misplaced, internal and
// transactional input with the partition left writable, LogAppendTime topics rewriting the
// timestamp and the CRC, and idempotent producers end to end: a retry among the last five
// batches answered with its original offsets and not appended, a gap refused with
// OUT_OF_ORDER_SEQUENCE_NUMBER, an old epoch fenced, all of it again after a restart, whose
// producer ids never repeat earlier ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  apiVersionsApi,
  CRC_OFFSET,
  decodeRecordBatches,
  ErrorCode,
  encodeRecordBatch,
  fetchApi,
  initProducerIdApi,
  MAGIC_OFFSET,
  type ProduceRequest,
  type ProduceResponsePartition,
  produceApi,
  type RecordBatchInput,
  readCrc,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { fetchRequest } from '../fetch-request.js';
import { WireClient } from '../wire-client.js';

const produceVersion = produceApi.maxVersion;

let dataDir: string;
let broker: RunningBroker;
let wire: WireClient;

async function start(): Promise<void> {
  broker = await startBroker({ dataDir, kafkaPort: 0, autoCreateTopics: false });
  wire = await WireClient.connect(broker.port);
}

async function restart(): Promise<void> {
  wire.close();
  await broker.close();
  await start();
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-produce-'));
  await start();
});

afterAll(async () => {
  wire?.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createTopic(name: string, partitionCount = 1, configs = {}): Promise<void> {
  await broker.registry.createTopic(name, { partitionCount, configs });
}

function batch(count: number, options: Partial<RecordBatchInput> = {}, sizeBytes = 8): Buffer {
  const records = Array.from({ length: count }, (_, index) => ({
    key: Buffer.from(`k${index}`),
    value: Buffer.alloc(sizeBytes, index),
    timestamp: 1_000 + index,
  }));
  return encodeRecordBatch({ records, ...options });
}

function produceRequest(
  topic: string,
  partitions: Array<[number, Buffer | null]>,
  acks = -1,
  transactionalId: string | null = null,
): ProduceRequest {
  return {
    transactionalId,
    acks,
    timeoutMs: 5_000,
    topicData: [
      { name: topic, partitionData: partitions.map(([index, records]) => ({ index, records })) },
    ],
  };
}

/** Produces and answers every partition's response, in request order. */
async function produce(
  topic: string,
  partitions: Array<[number, Buffer | null]>,
  acks = -1,
  transactionalId: string | null = null,
): Promise<ProduceResponsePartition[]> {
  const request = produceRequest(topic, partitions, acks, transactionalId);
  const response = await wire.request(produceApi, produceVersion, request);
  return response.responses.flatMap((answer) => answer.partitionResponses);
}

async function produceOne(topic: string, records: Buffer, acks = -1) {
  const [answer] = await produce(topic, [[0, records]], acks);
  return answer!;
}

function logOf(topic: string, partition = 0) {
  const log = broker.registry.partitionLog(topic, partition);
  if (log === undefined) throw new Error(`no log for ${topic}-${partition}`);
  return log;
}

async function fetchAll(topic: string, partition = 0): Promise<Buffer> {
  const request = fetchRequest(topic, [{ partition }]);
  const response = await wire.request(fetchApi, fetchApi.maxVersion, request);
  const answer = response.responses[0]!.partitions[0]!;
  expect(answer.errorCode).toBe(ErrorCode.NONE);
  return answer.records ?? Buffer.alloc(0);
}

describe('acks', () => {
  it('refuses acks other than 0, 1 and -1 with INVALID_REQUIRED_ACKS, appending nothing', async () => {
    await createTopic('acks-invalid', 2);
    for (const acks of [2, -2, 5]) {
      const answers = await produce(
        'acks-invalid',
        [
          [0, batch(1)],
          [1, batch(1)],
        ],
        acks,
      );
      expect(answers.map((answer) => answer.errorCode)).toEqual([
        ErrorCode.INVALID_REQUIRED_ACKS,
        ErrorCode.INVALID_REQUIRED_ACKS,
      ]);
    }
    expect(logOf('acks-invalid', 0).logEndOffset).toBe(0);
    expect(logOf('acks-invalid', 1).logEndOffset).toBe(0);
  });

  it('appends acks=0 without answering; the next answer on the connection is the next one', async () => {
    await createTopic('acks-none');
    wire.sendOneWay(produceApi, produceVersion, produceRequest('acks-none', [[0, batch(3)]], 0));
    wire.sendOneWay(produceApi, produceVersion, produceRequest('acks-none', [[0, batch(2)]], 0));
    const next = await wire.request(apiVersionsApi, 3, {
      clientSoftwareName: 't',
      clientSoftwareVersion: '1',
    });
    expect(next.errorCode).toBe(ErrorCode.NONE);
    const log = logOf('acks-none');
    for (let tries = 0; log.logEndOffset < 5 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(log.logEndOffset).toBe(5);
  });

  it('answers acks=1 and acks=-1 with base offsets, acks=-1 only once fsync-ed', async () => {
    await createTopic('acks-some');
    const leader = await produceOne('acks-some', batch(3), 1);
    expect(leader).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0, logStartOffset: 0 });
    const all = await produceOne('acks-some', batch(4), -1);
    expect(all).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 3, logAppendTimeMs: -1 });
    expect(logOf('acks-some').recoveryPoint).toBeGreaterThanOrEqual(7);
  });
});

describe('refused batches', () => {
  it('refuses a batch over max.message.bytes with MESSAGE_TOO_LARGE, others still append', async () => {
    await createTopic('too-large', 2, { 'max.message.bytes': '1024' });
    const small = batch(2);
    const large = batch(1, {}, 2_000);
    const answers = await produce('too-large', [
      [0, large],
      [1, small],
    ]);
    expect(answers.map((answer) => answer.errorCode)).toEqual([
      ErrorCode.MESSAGE_TOO_LARGE,
      ErrorCode.NONE,
    ]);
    expect(logOf('too-large', 0).logEndOffset).toBe(0);
    expect((await produceOne('too-large', small)).errorCode).toBe(ErrorCode.NONE);
  });

  it('refuses a batch whose CRC does not match with CORRUPT_MESSAGE, and magic 1', async () => {
    await createTopic('corrupt');
    const corrupt = Buffer.from(batch(3));
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect((await produceOne('corrupt', corrupt)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const badCrc = Buffer.from(batch(3));
    badCrc.writeUInt32BE((readCrc(badCrc) + 1) >>> 0, CRC_OFFSET);
    expect((await produceOne('corrupt', badCrc)).errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    // The CRC does not cover magic: a batch that is not v2 is refused as Kafka does, with
    // INVALID_RECORD (not the retriable CORRUPT_MESSAGE, which clients would retry).
    const oldMagic = Buffer.from(batch(3));
    oldMagic.writeInt8(1, MAGIC_OFFSET);
    expect((await produceOne('corrupt', oldMagic)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect(logOf('corrupt').logEndOffset).toBe(0);
    expect(await produceOne('corrupt', batch(3))).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('answers unknown topics and partitions UNKNOWN_TOPIC_OR_PARTITION, creating nothing', async () => {
    await createTopic('known');
    expect((await produceOne('never-created', batch(1))).errorCode).toBe(
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const [answer] = await produce('known', [[7, batch(1)]]);
    expect(answer?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(broker.registry.topic('never-created')).toBeUndefined();
  });

  it('refuses two batches in one partition, and none, with INVALID_RECORD', async () => {
    await createTopic('one-batch');
    const two = Buffer.concat([batch(1), batch(1)]);
    expect((await produceOne('one-batch', two)).errorCode).toBe(ErrorCode.INVALID_RECORD);
    expect((await produceOne('one-batch', Buffer.alloc(0))).errorCode).toBe(
      ErrorCode.INVALID_RECORD,
    );
    expect(logOf('one-batch').logEndOffset).toBe(0);
  });

  it('refuses produce into __consumer_offsets with INVALID_TOPIC_EXCEPTION', async () => {
    expect((await produceOne('__consumer_offsets', batch(1))).errorCode).toBe(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    );
  });

  it('refuses transactional produce with INVALID_REQUEST (not supported), appending nothing', async () => {
    await createTopic('transactional');
    const { producerId } = await initProducerId();
    const transactional = batch(2, {
      producerId,
      producerEpoch: 0,
      baseSequence: 0,
      isTransactional: true,
    });
    expect((await produceOne('transactional', transactional)).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    const plain = batch(2, { producerId, producerEpoch: 0, baseSequence: 0 });
    const [withId] = await produce('transactional', [[0, plain]], -1, 'my-transaction');
    expect(withId?.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(logOf('transactional').logEndOffset).toBe(0);
    const refused = await wire.request(initProducerIdApi, 4, {
      transactionalId: 'my-transaction',
      transactionTimeoutMs: 60_000,
      producerId: -1,
      producerEpoch: -1,
    });
    // InitProducerId refuses transactions with the code clients treat as fatal at once.
    expect(refused).toMatchObject({
      errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
      producerId: -1,
    });
  });
});

describe('message.timestamp.type', () => {
  it('LogAppendTime rewrites the timestamp type, maxTimestamp and CRC of each batch', async () => {
    await createTopic('log-append-time', 1, { 'message.timestamp.type': 'LogAppendTime' });
    const before = Date.now();
    const answer = await produceOne('log-append-time', batch(3));
    expect(answer.errorCode).toBe(ErrorCode.NONE);
    expect(answer.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    expect(answer.logAppendTimeMs).toBeLessThanOrEqual(Date.now());
    // decodeRecordBatches checks each CRC: the rewritten header must carry a new, valid one.
    const [stored] = decodeRecordBatches(await fetchAll('log-append-time'));
    expect(stored?.timestampType).toBe(1);
    expect(stored?.maxTimestamp).toBe(answer.logAppendTimeMs);
    expect(stored?.records.map((record) => record.timestamp)).toEqual([
      answer.logAppendTimeMs,
      answer.logAppendTimeMs,
      answer.logAppendTimeMs,
    ]);
  });

  it('CreateTime keeps the producer timestamps and the batch as it came', async () => {
    await createTopic('create-time');
    const sent = batch(3);
    const answer = await produceOne('create-time', sent);
    expect(answer.logAppendTimeMs).toBe(-1);
    const stored = await fetchAll('create-time');
    expect(readCrc(stored)).toBe(readCrc(sent));
    const [decoded] = decodeRecordBatches(stored);
    expect(decoded?.records.map((record) => record.timestamp)).toEqual([1_000, 1_001, 1_002]);
  });
});

async function initProducerId() {
  const response = await wire.request(initProducerIdApi, 4, {
    transactionalId: null,
    transactionTimeoutMs: -1,
    producerId: -1,
    producerEpoch: -1,
  });
  expect(response.errorCode).toBe(ErrorCode.NONE);
  return response;
}

describe('idempotent producers', () => {
  const topic = 'idempotent';
  /** Five batches of two records: sequences 0, 2, 4, 6, 8 at offsets 0, 2, 4, 6, 8. */
  let producerId: number;
  const sequenced = (baseSequence: number, epoch = 0, count = 2) =>
    batch(count, { producerId, producerEpoch: epoch, baseSequence });

  it('answers a retry among the last five batches with its original offsets', async () => {
    await createTopic(topic);
    ({ producerId } = await initProducerId());
    for (let index = 0; index < 5; index++) {
      const answer = await produceOne(topic, sequenced(index * 2));
      expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: index * 2 });
    }
    for (const retried of [8, 0, 4]) {
      const answer = await produceOne(topic, sequenced(retried));
      expect(answer).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: retried });
    }
    expect(logOf(topic).logEndOffset).toBe(10);
  });

  it('refuses a gap in the sequence with OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
    expect((await produceOne(topic, sequenced(12))).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(logOf(topic).logEndOffset).toBe(10);
    expect(await produceOne(topic, sequenced(10))).toMatchObject({ errorCode: 0, baseOffset: 10 });
  });

  it('keeps the state across a restart, rebuilt from the log', async () => {
    await restart();
    expect(await produceOne(topic, sequenced(10))).toMatchObject({ errorCode: 0, baseOffset: 10 });
    expect(await produceOne(topic, sequenced(4))).toMatchObject({ errorCode: 0, baseOffset: 4 });
    expect((await produceOne(topic, sequenced(14))).errorCode).toBe(
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    expect(await produceOne(topic, sequenced(12))).toMatchObject({ errorCode: 0, baseOffset: 12 });
    expect(logOf(topic).logEndOffset).toBe(14);
  });

  it('fences an older epoch with INVALID_PRODUCER_EPOCH once a newer one appended', async () => {
    expect(await produceOne(topic, sequenced(0, 1))).toMatchObject({
      errorCode: 0,
      baseOffset: 14,
    });
    expect((await produceOne(topic, sequenced(14, 0))).errorCode).toBe(
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    expect(logOf(topic).logEndOffset).toBe(16);
  });

  it('hands out producer ids that never repeat, across restarts', async () => {
    const seen = new Set<number>([producerId]);
    for (let run = 0; run < 3; run++) {
      for (let index = 0; index < 3; index++) {
        const { producerId: next, producerEpoch } = await initProducerId();
        expect(seen.has(next)).toBe(false);
        expect(producerEpoch).toBe(0);
        seen.add(next);
      }
      await restart();
    }
    expect(seen.size).toBe(10);
  });
});
