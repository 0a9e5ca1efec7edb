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
 * Transactions are not supported yet, and a transactionalId is answered with INVALID_REQUEST.
 * It is the closest honest code: Kafka gives it for an unusable transactionalId (an empty one),
 * its text says the request went to "an incompatible broker", and it is not retriable, so the
 * client fails at once (the Java client: "Unexpected error in InitProducerIdResponse"). The
 * alternatives mislead: TRANSACTIONAL_ID_AUTHORIZATION_FAILED sends the user to ACLs Cairn does
 * not have, UNSUPPORTED_VERSION speaks of the API version, and the coordinator errors are
 * retriable, so the client would retry until its timeout.
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

export function createInitProducerIdHandler(
  producerIds: ProducerIdManager,
): ApiHandler<InitProducerIdRequest, InitProducerIdResponse> {
  return {
    api: initProducerIdApi,
    async handle(request) {
      if (request.transactionalId !== null) {
        throw kafkaError(
          'INVALID_REQUEST',
          `transactionalId ${JSON.stringify(request.transactionalId)}: transactions are not ` +
            'supported yet; idempotent producers (no transactionalId) are',
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
