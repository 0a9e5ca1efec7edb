/**
 * The admin APIs in one list for the dispatch table: CreateTopics, DeleteTopics,
 * CreatePartitions, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and DeleteRecords,
 * all over the broker's TopicRegistry.
 */
import type { AnyApiHandler } from '../dispatcher.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { createAlterConfigsHandler } from './alter-configs.js';
import { createCreatePartitionsHandler } from './create-partitions.js';
import { createCreateTopicsHandler } from './create-topics.js';
import { createDeleteRecordsHandler } from './delete-records.js';
import { createDeleteTopicsHandler } from './delete-topics.js';
import { createDescribeConfigsHandler } from './describe-configs.js';
import { createIncrementalAlterConfigsHandler } from './incremental-alter-configs.js';

export interface AdminDeps {
  readonly registry: TopicRegistry;
  /** This broker's node id: the only one manual replica assignments may name. */
  readonly nodeId: number;
  /** Partitions of a topic created with numPartitions -1 (Kafka's num.partitions). */
  readonly defaultPartitionCount: number;
}

export function createAdminHandlers(deps: AdminDeps): AnyApiHandler[] {
  return [
    createCreateTopicsHandler(deps),
    createDeleteTopicsHandler(deps.registry),
    createCreatePartitionsHandler(deps),
    createDescribeConfigsHandler(deps),
    createAlterConfigsHandler(deps.registry),
    createIncrementalAlterConfigsHandler(deps.registry),
    createDeleteRecordsHandler(deps.registry),
  ];
}
