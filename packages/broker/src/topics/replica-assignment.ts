/**
 * Manual replica assignments (CreateTopics, CreatePartitions) on a single broker. Kafka refuses
 * an assignment that is empty, names a broker twice or names a broker it does not know with
 * INVALID_REPLICA_ASSIGNMENT; with one broker, every assignment but `[nodeId]` is one of those.
 */
import { kafkaError } from '@cairn/protocol';

/** Throws INVALID_REPLICA_ASSIGNMENT unless `brokerIds` is exactly this broker. */
export function validateReplicaAssignment(
  brokerIds: readonly number[],
  nodeId: number,
  partition: number,
): void {
  if (brokerIds.length !== 1 || brokerIds[0] !== nodeId) {
    throw kafkaError(
      'INVALID_REPLICA_ASSIGNMENT',
      `partition ${partition} is assigned to brokers [${brokerIds.join(', ')}]; ` +
        `this cluster has the one broker ${nodeId}`,
    );
  }
}

/**
 * Throws INVALID_REPLICA_ASSIGNMENT unless `partitions` are 0, 1, ... n-1 in some order, as
 * Kafka requires of a CreateTopics assignment.
 */
export function validateAssignedPartitions(partitions: readonly number[]): void {
  const sorted = [...partitions].sort((a, b) => a - b);
  if (sorted.every((partition, index) => partition === index)) return;
  throw kafkaError(
    'INVALID_REPLICA_ASSIGNMENT',
    `assigned partitions [${partitions.join(', ')}] are not 0..${partitions.length - 1}`,
  );
}
