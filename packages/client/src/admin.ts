/**
 * The admin client: topics, partitions, configs, consumer groups and their offsets, records
 * and the cluster, over the Kafka protocol. Each method is one concept's module
 * (admin-topics.ts, admin-configs.ts, admin-groups.ts, admin-offsets.ts) applied to this
 * client's Cluster. Retriable failures are retried (ClusterOptions.retry); every other failure
 * is a KafkaClientError with Kafka's error name and the topic or partition concerned.
 *
 * The admin's own cluster never creates topics by asking for their metadata
 * (allowAutoTopicCreation false), so describing or listing offsets of a missing topic fails
 * with UNKNOWN_TOPIC_OR_PARTITION instead of creating it.
 */
import {
  alterConfigs,
  type ConfigAlteration,
  type ConfigResource,
  type DescribedConfigs,
  describeConfigs,
} from './admin-configs.js';
import {
  deleteGroups,
  describeGroups,
  fetchOffsets,
  type GroupDescription,
  type GroupListing,
  type GroupOffset,
  type GroupPartitionLag,
  groupLag,
  listGroups,
  type OffsetReset,
  resetOffsets,
} from './admin-groups.js';
import {
  deleteRecords,
  listOffsets,
  type OffsetSpec,
  type PartitionOffset,
  type RecordsDeletion,
} from './admin-offsets.js';
import {
  type ClusterDescription,
  createPartitions,
  createTopics,
  deleteTopics,
  describeCluster,
  describeTopics,
  listTopics,
  type NewTopic,
  type TopicDescription,
  type TopicOptions,
} from './admin-topics.js';
import { Cluster, type ClusterOptions } from './cluster.js';

export interface AdminOptions extends Partial<ClusterOptions> {
  /** A cluster to share with other clients; otherwise the admin opens (and closes) its own. */
  cluster?: Cluster;
}

export class Admin {
  readonly cluster: Cluster;
  private readonly ownsCluster: boolean;

  constructor(options: AdminOptions) {
    if (options.cluster !== undefined) {
      this.cluster = options.cluster;
      this.ownsCluster = false;
      return;
    }
    if (options.bootstrap === undefined)
      throw new RangeError('an admin needs bootstrap or cluster');
    const { cluster: _unused, ...clusterOptions } = options;
    this.cluster = new Cluster({
      allowAutoTopicCreation: false,
      ...clusterOptions,
      bootstrap: options.bootstrap,
    } as ClusterOptions);
    this.ownsCluster = true;
  }

  /** Connects to the cluster (optional: the first call connects too). */
  connect(): Promise<void> {
    return this.cluster.connect();
  }

  /** Closes the connections, if the admin opened them. */
  async close(): Promise<void> {
    if (this.ownsCluster) await this.cluster.close();
  }

  createTopics(topics: readonly NewTopic[], options?: TopicOptions): Promise<void> {
    return createTopics(this.cluster, topics, options);
  }

  deleteTopics(topics: readonly string[], options?: { timeoutMs?: number }): Promise<void> {
    return deleteTopics(this.cluster, topics, options);
  }

  /** Raises each topic's partition count to `count`. */
  createPartitions(
    topics: readonly { topic: string; count: number }[],
    options?: TopicOptions,
  ): Promise<void> {
    return createPartitions(this.cluster, topics, options);
  }

  listTopics(options?: { includeInternal?: boolean }): Promise<string[]> {
    return listTopics(this.cluster, options);
  }

  describeTopics(topics?: readonly string[]): Promise<TopicDescription[]> {
    return describeTopics(this.cluster, topics);
  }

  describeCluster(): Promise<ClusterDescription> {
    return describeCluster(this.cluster);
  }

  describeConfigs(
    resources: readonly (ConfigResource & { configNames?: string[] })[],
  ): Promise<DescribedConfigs[]> {
    return describeConfigs(this.cluster, resources);
  }

  /** Sets, deletes, appends to or subtracts from single config keys (incremental). */
  alterConfigs(
    alterations: readonly ConfigAlteration[],
    options?: { validateOnly?: boolean },
  ): Promise<void> {
    return alterConfigs(this.cluster, alterations, options);
  }

  listGroups(options?: { states?: string[] }): Promise<GroupListing[]> {
    return listGroups(this.cluster, options);
  }

  describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return describeGroups(this.cluster, groupIds);
  }

  deleteGroups(groupIds: readonly string[]): Promise<void> {
    return deleteGroups(this.cluster, groupIds);
  }

  fetchOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffset[]> {
    return fetchOffsets(this.cluster, groupId, topics);
  }

  /** Moves an empty group's offsets for a topic; see admin-groups.ts. */
  resetOffsets(
    groupId: string,
    topic: string,
    to: OffsetReset,
    partitions?: readonly number[],
  ): Promise<GroupOffset[]> {
    return resetOffsets(this.cluster, groupId, topic, to, partitions);
  }

  groupLag(groupId: string, topics?: readonly string[]): Promise<GroupPartitionLag[]> {
    return groupLag(this.cluster, groupId, topics);
  }

  listOffsets(
    topic: string,
    spec?: OffsetSpec,
    partitions?: readonly number[],
  ): Promise<PartitionOffset[]> {
    return listOffsets(this.cluster, topic, spec, partitions);
  }

  deleteRecords(
    deletions: readonly RecordsDeletion[],
    options?: { timeoutMs?: number },
  ): Promise<{ topic: string; partition: number; lowWatermark: number }[]> {
    return deleteRecords(this.cluster, deletions, options);
  }
}
