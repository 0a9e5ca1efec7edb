/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic.validate). */
import { kafkaError } from '@cairn/protocol';
import { topicNameLengthMax } from '../constants.js';

const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Throws INVALID_TOPIC_EXCEPTION naming the rule the name breaks. */
export function validateTopicName(name: string): void {
  if (name === '' || name === '.' || name === '..') {
    throw kafkaError('INVALID_TOPIC_EXCEPTION', `topic name '${name}' is illegal`);
  }
  if (name.length > topicNameLengthMax) {
    throw kafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `topic name is ${name.length} characters, more than ${topicNameLengthMax}`,
    );
  }
  if (!legalTopicName.test(name)) {
    throw kafkaError(
      'INVALID_TOPIC_EXCEPTION',
      `topic name '${name}' has characters other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
}

/** Internal topics (`__consumer_offsets`) are hidden from clients unless asked for. */
export function isInternalTopic(name: string): boolean {
  return name.startsWith('__');
}

/**
 * Throws TOPIC_AUTHORIZATION_FAILED for an internal topic: the broker owns those, and clients
 * may read and describe them but not create, delete, grow or reconfigure them. Kafka leaves
 * this to ACLs, so a client without the permission gets this code; KRaft answers a CreateTopics
 * for its own `__cluster_metadata` the same way.
 */
export function refuseInternalTopic(name: string, action: string): void {
  if (isInternalTopic(name)) {
    throw kafkaError(
      'TOPIC_AUTHORIZATION_FAILED',
      `'${name}' is an internal topic: clients may not ${action} it`,
    );
  }
}

/** The names `names` holds more than once: Kafka answers each with INVALID_REQUEST. */
export function repeatedNames(names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) repeated.add(name);
    seen.add(name);
  }
  return repeated;
}
