// Proves InitProducerId hands an idempotent producer a fresh id with epoch 0 (also when it
// sends its old id, as Kafka does) and refuses a transactionalId with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, the code that transactional clients treat as fatal.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, type InitProducerIdRequest, isKafkaError } from '@cairn/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../src/dispatcher.js';
import { createInitProducerIdHandler } from '../../src/handlers/init-producer-id.js';
import { ProducerIdManager } from '../../src/producers/producer-id-manager.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-init-producer-id-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const context = {} as RequestContext; // the handler does not read it

function request(fields: Partial<InitProducerIdRequest>): InitProducerIdRequest {
  return {
    transactionalId: null,
    transactionTimeoutMs: 60_000,
    producerId: -1,
    producerEpoch: -1,
    ...fields,
  };
}

describe('InitProducerId handler', () => {
  it('gives each idempotent producer a new id with epoch 0', async () => {
    const handler = createInitProducerIdHandler(await ProducerIdManager.open(dataDir));
    const first = await handler.handle(request({}), context);
    const second = await handler.handle(request({ producerId: 0, producerEpoch: 0 }), context);
    expect(first).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 0, producerEpoch: 0 });
    expect(second).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: 1, producerEpoch: 0 });
  });

  it('refuses a transactional producer with TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const handler = createInitProducerIdHandler(await ProducerIdManager.open(dataDir));
    const error = await Promise.resolve()
      .then(() => handler.handle(request({ transactionalId: 'orders' }), context))
      .catch((caught: unknown) => caught);
    expect(isKafkaError(error) && error.errorName).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    expect(isKafkaError(error) && error.message).toContain('transactions are not supported');
    const refused = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
    expect(handler.errorResponse(request({}), refused)).toEqual({
      throttleTimeMs: 0,
      errorCode: refused,
      producerId: -1,
      producerEpoch: -1,
    });
    // The refusal takes no producer id: an idempotent producer still gets the first one.
    expect(await handler.handle(request({}), context)).toMatchObject({ producerId: 0 });
  });
});
