/**
 * `cairn produce TOPIC`: one record per line of stdin (or --file), with an optional key (the
 * same --key for every record, or the part of each line before --key-separator), headers
 * (-H key=value, repeatable) and partition. Records are sent in chunks, a bounded number of
 * chunks in flight, so any input size streams through in bounded memory; the producer's own
 * batching does the rest. Prints how many records went to which partition and offsets.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { cliLineBytesMax } from '../constants.js';
import { Producer } from '../producer.js';
import type { ProducerRecord, RecordMetadata } from '../producer-record.js';
import {
  parseAcks,
  parseInteger,
  parseKeyValue,
  positionalsOf,
  stringOption,
  stringsOption,
  UsageError,
} from './cli-args.js';
import { cliClusterOptions } from './cli-clients.js';
import type { Command } from './cli-command.js';
import { readLines } from './cli-lines.js';
import { writeJson, writeTable } from './cli-output.js';

/** Records per send() call, and calls awaiting acknowledgement at once. */
const recordsPerSend = 1_000;
const sendsInflightMax = 8;

interface PartitionSummary {
  partition: number;
  recordCount: number;
  firstOffset: number;
  lastOffset: number;
}

interface LineFormat {
  key: string | undefined;
  keySeparator: string | undefined;
  headers: { key: string; value: string }[];
  partition: number | undefined;
}

function recordOf(line: Buffer, format: LineFormat): ProducerRecord {
  let key: Buffer | string | null = format.key ?? null;
  let value = line;
  if (format.keySeparator !== undefined) {
    const at = line.indexOf(format.keySeparator);
    if (at !== -1) {
      key = line.subarray(0, at);
      value = line.subarray(at + Buffer.byteLength(format.keySeparator));
    }
  }
  return {
    key,
    value,
    headers: format.headers.length === 0 ? undefined : format.headers,
    partition: format.partition,
  };
}

function summarise(results: readonly RecordMetadata[]): PartitionSummary[] {
  const byPartition = new Map<number, PartitionSummary>();
  for (const { partition, offset } of results) {
    const summary = byPartition.get(partition);
    if (summary === undefined) {
      byPartition.set(partition, {
        partition,
        recordCount: 1,
        firstOffset: offset,
        lastOffset: offset,
      });
      continue;
    }
    summary.recordCount++;
    summary.firstOffset = Math.min(summary.firstOffset, offset);
    summary.lastOffset = Math.max(summary.lastOffset, offset);
  }
  return [...byPartition.values()].sort((a, b) => a.partition - b.partition);
}

async function produceLines(
  producer: Producer,
  topic: string,
  input: Readable,
  format: LineFormat,
) {
  const results: RecordMetadata[] = [];
  const inflight: Promise<RecordMetadata[]>[] = [];
  let chunk: ProducerRecord[] = [];
  const sendChunk = async () => {
    const sent = producer.send(topic, chunk);
    // Awaited in order below; observed now so that a failure while lines are still being read
    // is not an unhandled rejection.
    sent.catch(() => undefined);
    inflight.push(sent);
    chunk = [];
    if (inflight.length >= sendsInflightMax) results.push(...(await inflight.shift()!));
  };
  for await (const line of readLines(input, cliLineBytesMax)) {
    chunk.push(recordOf(line, format));
    if (chunk.length >= recordsPerSend) await sendChunk();
  }
  if (chunk.length > 0) await sendChunk();
  for (const sent of await Promise.all(inflight)) results.push(...sent);
  return results;
}

const produce: Command = {
  name: 'produce',
  summary: 'Produce one record per line of stdin or a file.',
  usage: [
    'TOPIC [options]',
    '',
    '  -f, --file PATH            read lines from PATH instead of stdin',
    '  -k, --key KEY              the key of every record',
    '      --key-separator SEP    each line is KEY SEP VALUE (no SEP: no key)',
    '  -H, --header KEY=VALUE     a header on every record (repeatable)',
    '  -p, --partition N          the partition (default: by key, else sticky)',
    '      --acks 0|1|all         acknowledgement (default all)',
  ].join('\n'),
  options: {
    file: { type: 'string', short: 'f' },
    key: { type: 'string', short: 'k' },
    'key-separator': { type: 'string' },
    header: { type: 'string', short: 'H', multiple: true },
    partition: { type: 'string', short: 'p' },
    acks: { type: 'string' },
  },
  async run({ io, brokers, json, values, positionals }) {
    const [topic] = positionalsOf(positionals, ['TOPIC']);
    const key = stringOption(values, 'key');
    const keySeparator = stringOption(values, 'key-separator');
    if (key !== undefined && keySeparator !== undefined) {
      throw new UsageError('--key and --key-separator exclude each other');
    }
    if (keySeparator === '') throw new UsageError('--key-separator must not be empty');
    const partitionText = stringOption(values, 'partition');
    const format: LineFormat = {
      key,
      keySeparator,
      headers: stringsOption(values, 'header').map((pair) => {
        const [headerKey, value] = parseKeyValue(pair, '--header');
        return { key: headerKey, value };
      }),
      partition:
        partitionText === undefined ? undefined : parseInteger(partitionText, '--partition'),
    };
    const acks = parseAcks(stringOption(values, 'acks') ?? 'all');
    const file = stringOption(values, 'file');
    const input = file === undefined ? io.stdin : createReadStream(file);
    const producer = new Producer({ ...cliClusterOptions, bootstrap: brokers, acks });
    let results: RecordMetadata[];
    try {
      results = await produceLines(producer, topic!, input, format);
    } finally {
      await producer.close();
    }
    const partitions = summarise(results);
    if (json) {
      writeJson(io, { topic, recordCount: results.length, partitions });
      return;
    }
    io.stdout.write(`Produced ${results.length} records to ${topic}\n`);
    if (partitions.length === 0) return;
    writeTable(
      io,
      ['partition', 'records', 'first offset', 'last offset'],
      partitions.map((p) => [p.partition, p.recordCount, p.firstOffset, p.lastOffset]),
    );
  },
};

export const produceCommands: readonly Command[] = [produce];
