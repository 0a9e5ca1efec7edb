/**
 * How Cairn refuses a transactional producer: it has no transaction coordinator, so the lookup
 * of one (FindCoordinator with key type 1) and InitProducerId with a transactionalId are both
 * answered with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, FindCoordinator (v1+) with a message.
 *
 * The code is chosen for what clients do with it, read in their sources:
 *   - librdkafka 1.x/2.x (rdkafka_txnmgr.c rd_kafka_txn_handle_FindCoordinator,
 *     rdkafka_idempotence.c rd_kafka_idemp_check_error): this code is the one FindCoordinator
 *     error it treats as fatal, and it appends the broker's ErrorMessage, so init_transactions()
 *     fails at once with "Failed to find transaction coordinator: ...: Broker: Transactional Id
 *     authorization failed: <message>". Every other FindCoordinator error
 *     (COORDINATOR_NOT_AVAILABLE, UNSUPPORTED_VERSION, ...) and every InitProducerId error but
 *     this one, CLUSTER_AUTHORIZATION_FAILED and INVALID_TRANSACTION_TIMEOUT is retried every
 *     500 ms until init_transactions' timeout: the hang INVALID_REQUEST caused.
 *   - The Java client (TransactionManager.FindCoordinatorHandler): fatal
 *     TransactionalIdAuthorizationException; retriable codes are re-enqueued.
 *   - kafkajs 2.2: non-retriable; a FindCoordinator error surfaces as
 *     KafkaJSGroupCoordinatorNotFound (its broker pool drops the code), an InitProducerId one
 *     as TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
 * Redpanda refuses the same way where transactions are disabled (enable_transactions: false):
 * a transactional Produce gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED. Its FindCoordinator
 * answer there, UNSUPPORTED_VERSION, is retried by librdkafka, so Cairn does not copy it.
 * The code speaks of authorization, which Cairn does not have; the message says the real reason.
 *
 * This file holds the reason once, for both handlers.
 *
 * Idempotent producers (InitProducerId without a transactionalId) and consumer groups
 * (FindCoordinator key type 0) are not affected.
 */
export function transactionsUnsupportedMessage(transactionalId: string): string {
  const id = JSON.stringify(transactionalId);
  return (
    `transactions are not supported by Cairn (transactional.id ${id}); ` +
    'unset transactional.id: idempotent producers (enable.idempotence) are supported'
  );
}
