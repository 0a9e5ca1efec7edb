/**
 * `cairn topic create|list|describe|delete|alter-config`: topics, their partitions (leader,
 * replicas, log start offset, high watermark) and their configs, under Kafka's config names.
 */

import type { Admin } from '../admin.js';
import type { ConfigChange } from '../admin-configs.js';
import type { PartitionOffset } from '../admin-offsets.js';
import type { NewTopic } from '../admin-topics.js';
import {
  booleanOption,
  parseInteger,
  parseKeyValue,
  positionalsOf,
  stringOption,
  stringsOption,
  UsageError,
} from './cli-args.js';
import { withAdmin } from './cli-clients.js';
import type { Command, CommandContext } from './cli-command.js';
import { type Cell, formatSection, writeJson, writeTable } from './cli-output.js';

/** A topic's partitions with their log start offsets and high watermarks, and its configs. */
async function describeTopic(admin: Admin, name: string) {
  const [[topic], [described], starts, ends] = await Promise.all([
    admin.describeTopics([name]),
    admin.describeConfigs([{ type: 'topic', name }]),
    admin.listOffsets(name, 'earliest'),
    admin.listOffsets(name, 'latest'),
  ]);
  const offsetOf = (offsets: PartitionOffset[], partition: number) =>
    offsets.find((entry) => entry.partition === partition)?.offset ?? -1;
  return {
    name,
    internal: topic?.isInternal ?? false,
    partitions: (topic?.partitions ?? []).map((p) => ({
      partition: p.partition,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      logStartOffset: offsetOf(starts, p.partition),
      highWatermark: offsetOf(ends, p.partition),
    })),
    configs: described?.configs ?? [],
  };
}

function topicNames(positionals: readonly string[]): string[] {
  if (positionals.length === 0) throw new UsageError('missing TOPIC');
  return [...positionals];
}

function configsOf(pairs: readonly string[], flag: string): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const pair of pairs) {
    const [key, value] = parseKeyValue(pair, flag);
    configs[key] = value;
  }
  return configs;
}

function writeStatus({ io, json }: CommandContext, names: readonly string[], status: string): void {
  if (json)
    writeJson(
      io,
      names.map((name) => ({ topic: name, status })),
    );
  else
    writeTable(
      io,
      ['topic', 'status'],
      names.map((name) => [name, status]),
    );
}

const create: Command = {
  name: 'topic create',
  summary: 'Create topics.',
  usage: [
    'TOPIC... [options]',
    '',
    '  -p, --partitions N         partitions of each topic (default: the broker default)',
    '  -r, --replicas N           replication factor (default: the broker default)',
    '  -c, --config KEY=VALUE     a topic config, e.g. retention.ms=60000 (repeatable)',
  ].join('\n'),
  options: {
    partitions: { type: 'string', short: 'p' },
    replicas: { type: 'string', short: 'r' },
    config: { type: 'string', short: 'c', multiple: true },
  },
  async run(context) {
    const { values, positionals, brokers } = context;
    const names = topicNames(positionals);
    const partitions = stringOption(values, 'partitions');
    const replicas = stringOption(values, 'replicas');
    const configs = configsOf(stringsOption(values, 'config'), '--config');
    const topics: NewTopic[] = names.map((topic) => ({
      topic,
      configs,
      ...(partitions === undefined
        ? {}
        : { numPartitions: parseInteger(partitions, '--partitions', 1) }),
      ...(replicas === undefined
        ? {}
        : { replicationFactor: parseInteger(replicas, '--replicas', 1) }),
    }));
    await withAdmin(brokers, (admin) => admin.createTopics(topics));
    writeStatus(context, names, 'created');
  },
};

const list: Command = {
  name: 'topic list',
  summary: 'List topics with their partition counts.',
  usage: '[-i, --internal (include internal topics)]',
  options: { internal: { type: 'boolean', short: 'i' } },
  async run({ io, brokers, json, values, positionals }) {
    positionalsOf(positionals, []);
    const internal = booleanOption(values, 'internal');
    const described = await withAdmin(brokers, (admin) => admin.describeTopics());
    const topics = described
      .filter((topic) => internal || !topic.isInternal)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((topic) => ({
        name: topic.name,
        partitionCount: topic.partitions.length,
        replicationFactor: topic.partitions[0]?.replicas.length ?? 0,
        internal: topic.isInternal,
      }));
    if (json) {
      writeJson(io, topics);
      return;
    }
    writeTable(
      io,
      ['name', 'partitions', 'replicas'],
      topics.map((topic) => [topic.name, topic.partitionCount, topic.replicationFactor]),
    );
  },
};

const describe: Command = {
  name: 'topic describe',
  summary: 'Show a topic: its configs and its partitions with their offsets.',
  usage: 'TOPIC',
  options: {},
  async run({ io, brokers, json, positionals }) {
    const [name] = positionalsOf(positionals, ['TOPIC']);
    const topic = await withAdmin(brokers, (admin) => describeTopic(admin, name!));
    if (json) {
      writeJson(io, topic);
      return;
    }
    io.stdout.write(
      formatSection([
        ['name', topic.name],
        ['internal', topic.internal],
        ['partitions', topic.partitions.length],
      ]),
    );
    io.stdout.write('\nCONFIGS\n');
    writeTable(
      io,
      ['key', 'value', 'source'],
      topic.configs
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((config): Cell[] => [
          config.name,
          config.isSensitive ? '(hidden)' : config.value,
          config.source,
        ]),
    );
    io.stdout.write('\nPARTITIONS\n');
    writeTable(
      io,
      ['partition', 'leader', 'replicas', 'log start offset', 'high watermark'],
      topic.partitions.map((p) => [
        p.partition,
        p.leader,
        p.replicas.join(','),
        p.logStartOffset,
        p.highWatermark,
      ]),
    );
  },
};

const remove: Command = {
  name: 'topic delete',
  summary: 'Delete topics and their records.',
  usage: 'TOPIC...',
  options: {},
  async run(context) {
    const names = topicNames(context.positionals);
    await withAdmin(context.brokers, (admin) => admin.deleteTopics(names));
    writeStatus(context, names, 'deleted');
  },
};

const alterConfig: Command = {
  name: 'topic alter-config',
  summary: 'Set topic configs, or return them to the default.',
  usage: [
    'TOPIC [options]',
    '',
    '  -s, --set KEY=VALUE        set a config, e.g. retention.ms=60000 (repeatable)',
    '  -d, --delete KEY           return a config to its default (repeatable)',
  ].join('\n'),
  options: {
    set: { type: 'string', short: 's', multiple: true },
    delete: { type: 'string', short: 'd', multiple: true },
  },
  async run(context) {
    const [name] = positionalsOf(context.positionals, ['TOPIC']);
    const set = configsOf(stringsOption(context.values, 'set'), '--set');
    const removed = stringsOption(context.values, 'delete');
    if (Object.keys(set).length === 0 && removed.length === 0) {
      throw new UsageError('nothing to change: give --set KEY=VALUE or --delete KEY');
    }
    for (const key of removed) {
      if (key in set) throw new UsageError(`${key} is both set and deleted`);
    }
    const changes: ConfigChange[] = [
      ...Object.entries(set).map(([key, value]) => ({
        name: key,
        value,
        operation: 'set' as const,
      })),
      ...removed.map((key) => ({ name: key, operation: 'delete' as const })),
    ];
    await withAdmin(context.brokers, (admin) =>
      admin.alterConfigs([{ type: 'topic', name: name!, configs: changes }]),
    );
    writeStatus(context, [name!], 'altered');
  },
};

export const topicCommands: readonly Command[] = [create, list, describe, remove, alterConfig];
