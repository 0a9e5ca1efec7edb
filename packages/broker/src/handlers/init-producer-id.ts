/**
 * InitProducerId: a producer id and epoch for an idempotent producer.
 *
 * A producer without a transactionalId always gets a new id with epoch 0, whatever producerId
 * and producerEpoch it sends (v3+, KIP-360), as Kafka's TransactionCoordinator does ("if the
 * transactional id is null, then always blindly accept the request and return a new
 * producerId"). Those fields let a transactional producer keep its id across an epoch bump; an
 * idempotent producer bumps its epoch itself (the Java client) or asks for an id again
 * (librdkafka sends its old one, and takes the new one Kafka answers). A new id serves that
 * producer as well as a bump would, and it needs no record of which epoch each id reached.
 *
 * Transactions are not supported, and a transactionalId is answered with
 * TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as FindCoordinator answers the lookup of a
 * transaction coordinator: it is fatal for librdkafka and the Java client and not retriable for
 * kafkajs. INVALID_REQUEST, answered before, was retried by librdkafka every 500 ms until
 * init_transactions' timeout (why, and the sources: transactions-unsupported.ts). InitProducerId
 * has no ErrorMessage field, so the reason travels only in FindCoordinator's answer, which
 * clients ask first.
 */
import {
  ErrorCode,
  type InitProducerIdRequest,
  type InitProducerIdResponse,
  initProducerIdApi,
  kafkaError,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import type { ProducerIdManager } from '../producers/producer-id-manager.js';
import { transactionsUnsupportedMessage } from './transactions-unsupported.js';

export function createInitProducerIdHandler(
  producerIds: ProducerIdManager,
): ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    api: initProducerIdApi,
    async handle(request) {
      if (request.transactionalId !== null) {
        throw kafkaError(
          'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
          transactionsUnsupportedMessage(request.transactionalId),
        );
      }
      const producerId = await producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    },
    errorResponse: (_request, errorCode) => ({
      throttleTimeMs: 0,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    }),
  };
}
