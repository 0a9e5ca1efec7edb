/**
 * `cairn consume TOPIC`: prints records as they arrive, one per line: the value as text, or a
 * JSON object per record (`--format json`, or `--json`). Without --group it reads the chosen
 * partitions (all by default) without joining a group, from the end (new records only), the
 * beginning, an offset or a timestamp; with --group it joins that group and commits what it
 * printed. Stops after -n records, or when interrupted (Ctrl-C).
 */
import { Cluster } from '../cluster.js';
import { type AssignedPartition, Consumer } from '../consumer.js';
import type { ConsumerMessage } from '../consumer-message.js';
import {
  booleanOption,
  parseInteger,
  parseIntegerList,
  parseTimestamp,
  positionalsOf,
  stringOption,
  UsageError,
} from './cli-args.js';
import { cliReadClusterOptions } from './cli-clients.js';
import type { Command, CommandContext } from './cli-command.js';
import type { CliIo } from './cli-io.js';
import { toJson } from './cli-output.js';

type Start =
  | { kind: 'latest' }
  | { kind: 'earliest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number };

interface ConsumeSettings {
  topic: string;
  groupId: string | undefined;
  partitions: number[] | undefined;
  start: Start;
  count: number | undefined;
  format: 'text' | 'json';
}

function parseStart(values: CommandContext['values']): Start {
  const offset = stringOption(values, 'offset');
  const timestamp = stringOption(values, 'timestamp');
  const fromBeginning = booleanOption(values, 'from-beginning');
  const given = [fromBeginning, offset !== undefined, timestamp !== undefined].filter(Boolean);
  if (given.length > 1) {
    throw new UsageError('--from-beginning, --offset and --timestamp exclude each other');
  }
  if (offset !== undefined) return { kind: 'offset', offset: parseInteger(offset, '--offset') };
  if (timestamp !== undefined) {
    return { kind: 'timestamp', timestamp: parseTimestamp(timestamp, '--timestamp') };
  }
  return fromBeginning ? { kind: 'earliest' } : { kind: 'latest' };
}

function parseSettings({ values, positionals, json }: CommandContext): ConsumeSettings {
  const [topic] = positionalsOf(positionals, ['TOPIC']);
  const format = json ? 'json' : (stringOption(values, 'format') ?? 'text');
  if (format !== 'text' && format !== 'json') {
    throw new UsageError(`--format wants text or json, got '${format}'`);
  }
  const groupId = stringOption(values, 'group');
  const partitionList = stringOption(values, 'partition');
  const start = parseStart(values);
  if (
    groupId !== undefined &&
    (partitionList !== undefined || start.kind === 'offset' || start.kind === 'timestamp')
  ) {
    throw new UsageError(
      '--group takes its partitions and offsets from the group: no --partition, --offset or --timestamp',
    );
  }
  const countText = stringOption(values, 'count');
  return {
    topic: topic!,
    groupId,
    partitions:
      partitionList === undefined ? undefined : parseIntegerList(partitionList, '--partition'),
    start,
    count: countText === undefined ? undefined : parseInteger(countText, '--count', 1),
    format,
  };
}

function text(bytes: Buffer | null): string | null {
  return bytes === null ? null : bytes.toString('utf8');
}

function formatMessage(message: ConsumerMessage, format: 'text' | 'json'): string {
  if (format === 'text') return `${text(message.value) ?? ''}\n`;
  const record = {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp,
    key: text(message.key),
    value: text(message.value),
    headers: message.headers.map((header) => ({ key: header.key, value: text(header.value) })),
  };
  return `${toJson(record)}\n`;
}

/** Which partitions to read and from where, for a consumer outside a group. */
async function assignment(
  brokers: string[],
  settings: ConsumeSettings,
): Promise<AssignedPartition[]> {
  const cluster = new Cluster({ ...cliReadClusterOptions, bootstrap: brokers });
  let partitionCount: number;
  try {
    partitionCount = await cluster.partitionsFor(settings.topic);
  } finally {
    await cluster.close();
  }
  const partitions = settings.partitions ?? Array.from({ length: partitionCount }, (_, p) => p);
  for (const partition of partitions) {
    if (partition >= partitionCount) {
      throw new UsageError(
        `${settings.topic} has ${partitionCount} partitions: no partition ${partition}`,
      );
    }
  }
  const { start } = settings;
  const offset =
    start.kind === 'offset' ? start.offset : start.kind === 'earliest' ? 'earliest' : 'latest';
  return partitions.map((partition) => ({ topic: settings.topic, partition, offset }));
}

/**
 * Prints messages until the count is reached or the consumer is closed. Each is marked
 * processed once printed, so leaving the loop (the count, an interrupt) does not deliver the
 * last one again: the group's commits (the interval, and close) cover every record printed.
 */
async function printAll(io: CliIo, consumer: Consumer, settings: ConsumeSettings): Promise<void> {
  const { count, format } = settings;
  let printed = 0;
  for await (const message of consumer) {
    io.stdout.write(formatMessage(message, format));
    consumer.markProcessed(message);
    printed++;
    if (count !== undefined && printed >= count) break;
  }
}

const consume: Command = {
  name: 'consume',
  summary: 'Print the records of a topic as they arrive.',
  usage: [
    'TOPIC [options]',
    '',
    '      --from-beginning       start at the first offset (default: the end, new records only)',
    '  -o, --offset N             start at offset N',
    '      --timestamp TIME       start at the first record at or after TIME (ms, or ISO 8601)',
    '  -g, --group GROUP          consume in GROUP and commit (start: committed, else --from-beginning or the end)',
    '  -p, --partition N[,N...]   only these partitions (without --group)',
    '  -n, --count N              stop after N records (default: run until interrupted)',
    '      --format text|json     the value per line, or a JSON object per record (default text)',
  ].join('\n'),
  options: {
    'from-beginning': { type: 'boolean' },
    offset: { type: 'string', short: 'o' },
    timestamp: { type: 'string' },
    group: { type: 'string', short: 'g' },
    partition: { type: 'string', short: 'p' },
    count: { type: 'string', short: 'n' },
    format: { type: 'string' },
  },
  async run(context) {
    const { io, brokers } = context;
    const settings = parseSettings(context);
    const consumer = new Consumer({
      bootstrap: brokers,
      clusterOptions: cliReadClusterOptions,
      ...(settings.groupId === undefined ? {} : { groupId: settings.groupId }),
      autoOffsetReset: settings.start.kind === 'earliest' ? 'earliest' : 'latest',
    });
    // Interrupted: close, which commits what was printed (in a group) and ends the iteration.
    let stopping: Promise<void> | null = null;
    const stop = () => {
      stopping ??= consumer.close();
    };
    io.signal?.addEventListener('abort', stop, { once: true });
    try {
      if (settings.groupId !== undefined) {
        await consumer.subscribe([settings.topic]);
      } else {
        const partitions = await assignment(brokers, settings);
        await consumer.assign(partitions);
        const { start } = settings;
        if (start.kind === 'timestamp') {
          await Promise.all(
            partitions.map(({ topic, partition }) =>
              consumer.seekToTimestamp(topic, partition, start.timestamp),
            ),
          );
        }
      }
      if (io.signal?.aborted !== true) await printAll(io, consumer, settings);
      await stopping;
    } finally {
      io.signal?.removeEventListener('abort', stop);
      await consumer.close();
    }
  },
};

export const consumeCommands: readonly Command[] = [consume];
