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
