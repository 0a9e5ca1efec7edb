import type { Admin } from '../admin.js';
import type { GroupDescription, OffsetReset } from '../admin-groups.js';
import type { OffsetSpec } from '../admin-offsets.js';
import type { TopicPartition } from '../consumer-options.js';
import {
  booleanOption,
  parseInteger,
  parseIntegerList,
  parseTimestamp,
  positionalsOf,
  stringOption,
  stringsOption,
  UsageError,
} from './cli-args.js';
import { withAdmin } from './cli-clients.js';
import type { Command, CommandContext } from './cli-command.js';
import { formatSection, writeJson, writeTable } from './cli-output.js';

const partitionKey = (topic: string, partition: number) => `${topic}:${partition}`;

function byPartition<T extends TopicPartition>(a: T, b: T): number {
  return a.topic === b.topic ? a.partition - b.partition : a.topic.localeCompare(b.topic);
}

const list: Command = {
  name: 'group list',
  summary: 'List consumer groups and their states.',
  usage: '',
  options: {},
  async run({ io, brokers, json, positionals }) {
    positionalsOf(positionals, []);
    const groups = (await withAdmin(brokers, (admin) => admin.listGroups())).sort((a, b) =>
      a.groupId.localeCompare(b.groupId),
    );
    if (json) {
      writeJson(io, groups);
      return;
    }
    writeTable(
      io,
      ['group', 'state', 'protocol type'],
      groups.map((group) => [group.groupId, group.state, group.protocolType]),
    );
  },
};

const describe: Command = {
  name: 'group describe',
  summary: 'Show a group: its state, protocol and members with the partitions each holds.',
  usage: 'GROUP',
  options: {},
  async run({ io, brokers, json, positionals }) {
    const [groupId] = positionalsOf(positionals, ['GROUP']);
    const group = await withAdmin(brokers, (admin) => describeGroup(admin, groupId!));
    if (json) {
      writeJson(io, group);
      return;
    }
    io.stdout.write(
      formatSection([
        ['group', group.groupId],
        ['state', group.state],
        ['protocol', group.protocol === '' ? null : group.protocol],
        ['members', group.members.length],
      ]),
    );
    if (group.members.length === 0) return;
    io.stdout.write('\n');
    writeTable(
      io,
      ['member id', 'client id', 'host', 'partitions'],
      group.members.map((member) => [
        member.memberId,
        member.clientId,
        member.clientHost,
        member.assignment
          .flatMap(({ topic, partitions }) => partitions.map((p) => `${topic}-${p}`))
          .join(','),
      ]),
    );
  },
};

interface LagRow extends TopicPartition {
  /** -1: nothing committed. */
  committedOffset: number;
  logEndOffset: number;
  /** null without a committed offset. */
  lag: number | null;
  /** The member holding the partition, if one does. */
  memberId: string | null;
}

/** The group as DescribeGroups sees it; a group that does not exist is Dead with no member. */
async function describeGroup(admin: Admin, groupId: string): Promise<GroupDescription> {
  const [group] = await admin.describeGroups([groupId]);
  return group ?? { groupId, state: 'Dead', protocolType: '', protocol: '', members: [] };
}

/** Lag of every partition of the topics the group has committed offsets for. */
async function groupLag(admin: Admin, groupId: string) {
  const [group, lags] = await Promise.all([describeGroup(admin, groupId), admin.groupLag(groupId)]);
  const owners = new Map<string, string>();
  for (const member of group.members) {
    for (const { topic, partitions } of member.assignment) {
      for (const partition of partitions)
        owners.set(partitionKey(topic, partition), member.memberId);
    }
  }
  const rows = lags.map(
    (entry): LagRow => ({
      topic: entry.topic,
      partition: entry.partition,
      committedOffset: entry.committedOffset,
      logEndOffset: entry.highWatermark,
      lag: entry.lag,
      memberId: owners.get(partitionKey(entry.topic, entry.partition)) ?? null,
    }),
  );
  return { group, rows: rows.sort(byPartition) };
}

const lag: Command = {
  name: 'group lag',
  summary: "Show how far the group's committed offsets are behind the end of each partition.",
  usage: 'GROUP',
  options: {},
  async run({ io, brokers, json, positionals }) {
    const [groupId] = positionalsOf(positionals, ['GROUP']);
    const { group, rows } = await withAdmin(brokers, (admin) => groupLag(admin, groupId!));
    const totalLag = rows.reduce((sum, row) => sum + (row.lag ?? 0), 0);
    if (json) {
      writeJson(io, { groupId: group.groupId, state: group.state, totalLag, partitions: rows });
      return;
    }
    io.stdout.write(
      formatSection([
        ['group', group.groupId],
        ['state', group.state],
        ['total lag', totalLag],
      ]),
    );
    if (rows.length === 0) return;
    io.stdout.write('\n');
    writeTable(
      io,
      ['topic', 'partition', 'committed offset', 'log end offset', 'lag', 'member id'],
      rows.map((row) => [
        row.topic,
        row.partition,
        row.committedOffset < 0 ? null : row.committedOffset,
        row.logEndOffset,
        row.lag,
        row.memberId,
      ]),
    );
  },
};

type ResetTarget = OffsetSpec | { offset: number };

function parseTarget(values: CommandContext['values']): ResetTarget {
  const earliest = booleanOption(values, 'to-earliest');
  const latest = booleanOption(values, 'to-latest');
  const offset = stringOption(values, 'to-offset');
  const timestamp = stringOption(values, 'to-timestamp');
  const given = [earliest, latest, offset !== undefined, timestamp !== undefined].filter(Boolean);
  if (given.length !== 1) {
    throw new UsageError(
      'give exactly one of --to-earliest, --to-latest, --to-offset N, --to-timestamp TIME',
    );
  }
  if (earliest) return 'earliest';
  if (latest) return 'latest';
  if (offset !== undefined) return { offset: parseInteger(offset, '--to-offset') };
  return { timestamp: parseTimestamp(timestamp!, '--to-timestamp') };
}

/** The topics to reset: --topic, else those the group has committed offsets for. */
async function resetTopics(admin: Admin, groupId: string, topics: string[]): Promise<string[]> {
  if (topics.length > 0) return topics;
  const committed = await admin.fetchOffsets(groupId);
  const names = [...new Set(committed.filter((c) => c.offset >= 0).map((c) => c.topic))];
  if (names.length === 0) {
    throw new UsageError(`group ${groupId} has no committed offsets: name the topics with --topic`);
  }
  return names.sort();
}

/**
 * The offsets `target` gives in `topic` (its `partitions`, or all): looked up, and for a time
 * after the last record the end of the partition, as the reset itself does.
 */
async function targetOffsets(
  admin: Admin,
  topic: string,
  target: ResetTarget,
  partitions: number[] | undefined,
): Promise<PartitionOffsetRow[]> {
  const ends = await admin.listOffsets(topic, 'latest', partitions);
  if (typeof target === 'object' && 'offset' in target) {
    return ends.map(({ partition }) => ({ topic, partition, offset: target.offset }));
  }
  if (target === 'latest')
    return ends.map(({ partition, offset }) => ({ topic, partition, offset }));
  const found = await admin.listOffsets(topic, target, partitions);
  return found.map(({ partition, offset }, index) => ({
    topic,
    partition,
    offset: offset >= 0 ? offset : ends[index]!.offset,
  }));
}

interface PartitionOffsetRow extends TopicPartition {
  offset: number;
}

/** Resets (or with dryRun only computes) the group's offsets in each topic. */
async function reset(
  admin: Admin,
  groupId: string,
  topics: string[],
  target: ResetTarget,
  partitions: number[] | undefined,
  dryRun: boolean,
): Promise<PartitionOffsetRow[]> {
  const names = await resetTopics(admin, groupId, topics);
  if (partitions !== undefined && names.length !== 1) {
    throw new UsageError('--partition goes with a single --topic');
  }
  const rows: PartitionOffsetRow[] = [];
  for (const topic of names) {
    const offsets = await targetOffsets(admin, topic, target, partitions);
    if (!dryRun) {
      const to: OffsetReset = {
        offsets: Object.fromEntries(offsets.map(({ partition, offset }) => [partition, offset])),
      };
      await admin.resetOffsets(groupId, topic, to, partitions);
    }
    rows.push(...offsets);
  }
  return rows.sort(byPartition);
}

const resetOffsets: Command = {
  name: 'group reset-offsets',
  summary: "Move a group's committed offsets (the group must have no active member).",
  usage: [
    'GROUP (--to-earliest | --to-latest | --to-offset N | --to-timestamp TIME) [options]',
    '',
    '  -t, --topic TOPIC          the topic to reset (repeatable; default: all the group committed)',
    '  -p, --partition N[,N...]   only these partitions of the topic',
    '      --to-earliest          the first offset of each partition',
    '      --to-latest            the end of each partition',
    '      --to-offset N          offset N',
    '      --to-timestamp TIME    the first record at or after TIME (ms, or ISO 8601)',
    '      --dry-run              show the new offsets without committing them',
  ].join('\n'),
  options: {
    topic: { type: 'string', short: 't', multiple: true },
    partition: { type: 'string', short: 'p' },
    'to-earliest': { type: 'boolean' },
    'to-latest': { type: 'boolean' },
    'to-offset': { type: 'string' },
    'to-timestamp': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  async run({ io, brokers, json, values, positionals }) {
    const [groupId] = positionalsOf(positionals, ['GROUP']);
    const target = parseTarget(values);
    const partitionText = stringOption(values, 'partition');
    const partitionList =
      partitionText === undefined ? undefined : parseIntegerList(partitionText, '--partition');
    const dryRun = booleanOption(values, 'dry-run');
    const topics = stringsOption(values, 'topic');
    const offsets = await withAdmin(brokers, (admin) =>
      reset(admin, groupId!, topics, target, partitionList, dryRun),
    );
    if (json) {
      writeJson(io, { groupId, dryRun, partitions: offsets });
      return;
    }
    writeTable(
      io,
      ['topic', 'partition', 'new offset'],
      offsets.map((p) => [p.topic, p.partition, p.offset]),
    );
    if (dryRun) io.stdout.write('(dry run: nothing committed)\n');
  },
};

export const groupCommands: readonly Command[] = [list, describe, lag, resetOffsets];
