export { keyPartition, murmur2, murmur2OfKey, toPositive } from '@cairn/protocol';
export { Admin, type AdminOptions } from './admin.js';
export type {
  ConfigAlteration,
  ConfigChange,
  ConfigEntry,
  ConfigOperation,
  ConfigResource,
  ConfigResourceType,
  ConfigSource,
  DescribedConfigs,
} from './admin-configs.js';
export type {
  GroupDescription,
  GroupListing,
  GroupMemberDescription,
  GroupOffset,
  GroupPartitionLag,
  OffsetReset,
} from './admin-groups.js';
export type { OffsetSpec, PartitionOffset, RecordsDeletion } from './admin-offsets.js';
export type {
  ClusterDescription,
  NewTopic,
  TopicDescription,
  TopicOptions,
} from './admin-topics.js';
export * from './assignors/index.js';
export * from './cluster.js';
export * from './connection.js';
export * from './constants.js';
export {
  type AssignedPartition,
  Consumer,
  type MessageBatch,
  type PartitionLag,
  type RunOptions,
} from './consumer.js';
export { ConsumerMessage } from './consumer-message.js';
export type {
  AutoOffsetReset,
  ConsumerOptions,
  PartitionsListener,
  TopicPartition,
} from './consumer-options.js';
export * from './errors.js';
export type { TopicPartitionOffset } from './offset-committer.js';
export { earliestOffsetTimestamp, latestOffsetTimestamp } from './offset-lookup.js';
export * from './partitioner.js';
export * from './producer.js';
export * from './producer-record.js';
export * from './request-reply.js';
export * from './retry.js';
