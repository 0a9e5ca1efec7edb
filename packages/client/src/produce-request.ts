/**
 * A Produce request's shape as the sender builds it from closed batches (one entry per topic,
 * one partition entry per batch, in the batches' order), and finding each batch's answer in
 * the response.
 */
import type {
  ProduceRequestPartition,
  ProduceRequestTopic,
  ProduceResponse,
  ProduceResponsePartition,
} from '@cairn/protocol';
import type { ProducerBatch } from './producer-batch.js';

/** The request's topic data; every batch must have its bytes (ProducerBatch.finish). */
export function produceTopicData(batches: readonly ProducerBatch[]): ProduceRequestTopic[] {
  const topicData: ProduceRequestTopic[] = [];
  let current: ProduceRequestTopic | undefined;
  for (const batch of batches) {
    if (current?.name !== batch.topic) {
      current = topicData.find((topic) => topic.name === batch.topic);
      if (current === undefined) {
        current = { name: batch.topic, partitionData: [] };
        topicData.push(current);
      }
    }
    const partition: ProduceRequestPartition = { index: batch.partition, records: batch.bytes! };
    current.partitionData.push(partition);
  }
  return topicData;
}

/**
 * Finds each batch's answer in a Produce response. Kafka answers the partitions in the order
 * they were asked, so a search starts just after the previous answer found (wrapping around):
 * one step per batch in that order, instead of a scan per batch (quadratic in the partitions
 * of a request); any order is still found.
 */
export class AnswerCursor {
  private topicIndex = 0;
  private partitionIndex = 0;

  constructor(private readonly response: ProduceResponse) {}

  find(topic: string, partition: number): ProduceResponsePartition | undefined {
    const topics = this.response.responses;
    const topicCount = topics.length;
    for (let topicStep = 0; topicStep < topicCount; topicStep++) {
      const topicIndex = (this.topicIndex + topicStep) % topicCount;
      const topicResponse = topics[topicIndex]!;
      if (topicResponse.name !== topic) continue;
      const answers = topicResponse.partitionResponses;
      const answerCount = answers.length;
      const first = topicStep === 0 ? this.partitionIndex : 0;
      for (let step = 0; step < answerCount; step++) {
        const answerIndex = (first + step) % answerCount;
        const answer = answers[answerIndex]!;
        if (answer.index !== partition) continue;
        this.topicIndex = topicIndex;
        this.partitionIndex = answerIndex + 1;
        return answer;
      }
    }
    return undefined;
  }
}
