/**
 * The broker's topics: their partitions' logs, ids and config overrides, kept in
 * `<dataDir>/topics.json` (replaced atomically) so topic metadata survives a restart.
 *
 * Concurrency: lookups are synchronous and see only finished changes. Changes (create,
 * delete, add partitions, alter configs) run one at a time through a queue; each validates
 * synchronously, does its file I/O, then commits the in-memory state.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogConfig, LogManager, PartitionLog } from '@cairn/log';
import { kafkaError } from '@cairn/protocol';
import { writeFileAtomic } from '../atomic-file.js';
import { partitionsPerTopicMax, topicsMax } from '../constants.js';
import {
  applyConfigOperations,
  type ConfigOperation,
  resolveLogConfig,
  type TopicConfigOverrides,
  validateTopicConfigs,
} from './topic-config.js';
import { isInternalTopic, validateTopicName } from './topic-name.js';

export const topicsFileName = 'topics.json';
const topicsFileVersion = 1;

export interface Topic {
  readonly name: string;
  /** 16 bytes, as Kafka's topic ids (Metadata v10+). */
  readonly topicId: Buffer;
  readonly internal: boolean;
  readonly configs: TopicConfigOverrides;
  readonly logConfig: LogConfig;
  readonly partitions: readonly PartitionLog[];
}

interface StoredTopic {
  name: string;
  topicId: string;
  partitionCount: number;
  configs: Record<string, string>;
}

export interface CreateTopicOptions {
  partitionCount: number;
  configs?: TopicConfigOverrides;
  validateOnly?: boolean;
}

export type { ConfigOperation } from './topic-config.js';

export class TopicRegistry {
  private readonly topicsByName = new Map<string, Topic>();
  private changes: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly dataDir: string,
    private readonly logManager: LogManager,
    private defaults: LogConfig,
  ) {}

  /** Opens every topic recorded in the data dir (recovering its logs). */
  static async open(
    dataDir: string,
    logManager: LogManager,
    defaults: LogConfig,
  ): Promise<TopicRegistry> {
    const registry = new TopicRegistry(dataDir, logManager, defaults);
    for (const stored of await readStoredTopics(dataDir)) {
      const logConfig = resolveLogConfig(defaults, stored.configs);
      const partitions = await registry.openPartitions(
        stored.name,
        0,
        stored.partitionCount,
        logConfig,
      );
      registry.topicsByName.set(stored.name, {
        name: stored.name,
        topicId: Buffer.from(stored.topicId, 'hex'),
        internal: isInternalTopic(stored.name),
        configs: stored.configs,
        logConfig,
        partitions,
      });
    }
    return registry;
  }

  get defaultLogConfig(): LogConfig {
    return this.defaults;
  }

  topic(name: string): Topic | undefined {
    return this.topicsByName.get(name);
  }

  partitionLog(name: string, partition: number): PartitionLog | undefined {
    return this.topicsByName.get(name)?.partitions[partition];
  }

  topics(): IterableIterator<Topic> {
    return this.topicsByName.values();
  }

  get topicCount(): number {
    return this.topicsByName.size;
  }

  /** Creates a topic; TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_CONFIG, ... */
  createTopic(name: string, options: CreateTopicOptions): Promise<Topic> {
    return this.enqueue(async () => {
      validateTopicName(name);
      if (this.topicsByName.has(name)) {
        throw kafkaError('TOPIC_ALREADY_EXISTS', `topic '${name}' already exists`);
      }
      if (this.topicsByName.size >= topicsMax) {
        throw kafkaError('POLICY_VIOLATION', `the broker holds ${topicsMax} topics, its limit`);
      }
      validatePartitionCount(options.partitionCount);
      const configs = { ...(options.configs ?? {}) };
      validateTopicConfigs(configs);
      const logConfig = resolveLogConfig(this.defaults, configs);
      const topic: Topic = {
        name,
        topicId: randomBytes(16),
        internal: isInternalTopic(name),
        configs,
        logConfig,
        partitions: [],
      };
      if (options.validateOnly) return topic;
      const { partitionCount } = options;
      const created = await this.createPartitionLogs(name, 0, partitionCount, logConfig, (logs) =>
        this.persistWith({ ...topic, partitions: logs }),
      );
      this.topicsByName.set(name, created);
      return created;
    });
  }

  /** Deletes a topic and its data; UNKNOWN_TOPIC_OR_PARTITION if there is none. */
  deleteTopic(name: string): Promise<void> {
    return this.enqueue(async () => {
      const topic = this.requireTopic(name);
      const remaining = [...this.topicsByName.values()].filter((t) => t !== topic);
      await this.persist(remaining);
      this.topicsByName.delete(name);
      for (let partition = 0; partition < topic.partitions.length; partition++) {
        await this.logManager.deleteLog(name, partition);
      }
    });
  }

  /** Grows a topic to `totalCount` partitions (Kafka never shrinks them). */
  createPartitions(name: string, totalCount: number, validateOnly = false): Promise<Topic> {
    return this.enqueue(async () => {
      const topic = this.requireTopic(name);
      if (totalCount <= topic.partitions.length) {
        throw kafkaError(
          'INVALID_PARTITIONS',
          `topic '${name}' has ${topic.partitions.length} partitions; ${totalCount} is not more`,
        );
      }
      validatePartitionCount(totalCount);
      if (validateOnly) return topic;
      const start = topic.partitions.length;
      const grown = await this.createPartitionLogs(
        name,
        start,
        totalCount,
        topic.logConfig,
        (added) => this.persistWith({ ...topic, partitions: [...topic.partitions, ...added] }),
      );
      this.topicsByName.set(name, grown);
      return grown;
    });
  }

  /** Replaces a topic's overrides with `configs` (AlterConfigs semantics). */
  replaceConfigs(name: string, configs: TopicConfigOverrides, validateOnly = false) {
    return this.enqueue(() => this.applyConfigs(name, { ...configs }, validateOnly));
  }

  /** Sets, deletes, appends to or subtracts from single overrides (IncrementalAlterConfigs). */
  alterConfigs(name: string, operations: readonly ConfigOperation[], validateOnly = false) {
    return this.enqueue(() => {
      const { configs } = this.requireTopic(name);
      const changed = applyConfigOperations(this.defaults, configs, operations);
      return this.applyConfigs(name, changed, validateOnly);
    });
  }

  private async applyConfigs(
    name: string,
    configs: Record<string, string>,
    validateOnly: boolean,
  ): Promise<Topic> {
    const topic = this.requireTopic(name);
    const logConfig = resolveLogConfig(this.defaults, configs);
    const changed = { ...topic, configs, logConfig };
    if (validateOnly) return changed;
    await this.persist(this.replaced(changed));
    this.topicsByName.set(name, changed);
    for (const log of topic.partitions) log.updateConfig(logConfig);
    return changed;
  }

  private requireTopic(name: string): Topic {
    const topic = this.topicsByName.get(name);
    if (topic === undefined) {
      throw kafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`);
    }
    return topic;
  }

  private replaced(changed: Topic): Topic[] {
    return [...this.topicsByName.values()].map((topic) =>
      topic.name === changed.name ? changed : topic,
    );
  }

  private async openPartitions(
    name: string,
    start: number,
    end: number,
    logConfig: LogConfig,
  ): Promise<PartitionLog[]> {
    const logs: PartitionLog[] = [];
    for (let partition = start; partition < end; partition++) {
      logs.push(await this.logManager.createLog(name, partition, logConfig));
    }
    return logs;
  }

  /**
   * Creates the logs of partitions [start, end) of a new or growing topic, then runs
   * `commit` (which persists them). On any failure it deletes the logs it created, so nothing
   * is left open or on disk that topics.json does not list, and a retry starts clean.
   */
  private async createPartitionLogs(
    name: string,
    start: number,
    end: number,
    logConfig: LogConfig,
    commit: (logs: PartitionLog[]) => Promise<Topic>,
  ): Promise<Topic> {
    const logs: PartitionLog[] = [];
    try {
      for (let partition = start; partition < end; partition++) {
        logs.push(await this.logManager.createLog(name, partition, logConfig));
      }
      return await commit(logs);
    } catch (error) {
      for (let partition = start; partition < start + logs.length; partition++) {
        await this.logManager.deleteLog(name, partition).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Persists every topic with `topic` added or in place of its old self; returns it. */
  private async persistWith(topic: Topic): Promise<Topic> {
    const known = this.topicsByName.has(topic.name);
    await this.persist(known ? this.replaced(topic) : [...this.topicsByName.values(), topic]);
    return topic;
  }

  private persist(topics: readonly Topic[]): Promise<void> {
    const stored: StoredTopic[] = topics.map((topic) => ({
      name: topic.name,
      topicId: topic.topicId.toString('hex'),
      partitionCount: topic.partitions.length,
      configs: { ...topic.configs },
    }));
    const contents = JSON.stringify({ version: topicsFileVersion, topics: stored }, null, 2);
    return writeFileAtomic(join(this.dataDir, topicsFileName), `${contents}\n`);
  }

  /** Runs `change` after every earlier change has finished, whatever their outcome. */
  private enqueue<T>(change: () => Promise<T>): Promise<T> {
    const result = this.changes.then(change, change);
    this.changes = result.catch(() => undefined);
    return result;
  }
}

function validatePartitionCount(partitionCount: number): void {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) {
    throw kafkaError('INVALID_PARTITIONS', `partition count ${partitionCount} is below 1`);
  }
  if (partitionCount > partitionsPerTopicMax) {
    throw kafkaError(
      'INVALID_PARTITIONS',
      `partition count ${partitionCount} is above the limit ${partitionsPerTopicMax}`,
    );
  }
}

async function readStoredTopics(dataDir: string): Promise<StoredTopic[]> {
  const path = join(dataDir, topicsFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { version?: number; topics?: StoredTopic[] };
  if (parsed.version !== topicsFileVersion || !Array.isArray(parsed.topics)) {
    throw new Error(`${path}: unknown format (version ${String(parsed.version)})`);
  }
  return parsed.topics;
}
