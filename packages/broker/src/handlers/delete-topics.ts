/**
 * DeleteTopics: each named topic is deleted with its data, and answered with its own error
 * code (v0-v3 carry no message): UNKNOWN_TOPIC_OR_PARTITION when there is none, INVALID_REQUEST
 * for a name listed twice, TOPIC_AUTHORIZATION_FAILED for an internal topic (the broker's own,
 * such as __consumer_offsets). timeoutMs is ignored: deletion is done before the response.
 */
import {
  type DeleteTopicsRequest,
  type DeleteTopicsResponse,
  type DeleteTopicsResponseTopic,
  deleteTopicsApi,
  ErrorCode,
  isKafkaError,
  kafkaError,
} from '@cairn/protocol';
import type { ApiHandler } from '../dispatcher.js';
import { refuseInternalTopic, repeatedNames } from '../topics/topic-name.js';
import type { TopicRegistry } from '../topics/topic-registry.js';

export function createDeleteTopicsHandler(
  registry: TopicRegistry,
): ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse> {
  const remove = async (name: string, repeated: boolean): Promise<DeleteTopicsResponseTopic> => {
    try {
      if (repeated) throw kafkaError('INVALID_REQUEST', `topic '${name}' is listed twice`);
      refuseInternalTopic(name, 'delete');
      await registry.deleteTopic(name);
      return { name, errorCode: ErrorCode.NONE };
    } catch (error) {
      if (!isKafkaError(error)) throw error;
      return { name, errorCode: error.errorCode };
    }
  };

  return {
    api: deleteTopicsApi,
    async handle(request) {
      const repeated = repeatedNames(request.topicNames);
      const responses: DeleteTopicsResponseTopic[] = [];
      for (const name of request.topicNames) {
        responses.push(await remove(name, repeated.has(name)));
      }
      return { throttleTimeMs: 0, responses };
    },
    errorResponse: (request, errorCode) => ({
      throttleTimeMs: 0,
      responses: request.topicNames.map((name) => ({ name, errorCode })),
    }),
  };
}
