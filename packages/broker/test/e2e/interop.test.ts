// Proves two third-party clients work against Cairn unchanged, as independent oracles: kcat
// (librdkafka) and kafka-python run as child processes against a broker started in-process on
// an ephemeral port, produce and consume keys, values, nulls and headers with exact content
// and order, commit offsets in consumer groups (a second run reads only new records), and read
// each other's records. Without kcat or Debian's python3-kafka the suites skip with a warning;
// scripts/install-interop-tools.sh installs both (npm test runs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';

/** Debian's interpreter: python3-kafka is installed for it, not for a pyenv python3 on PATH. */
const python = '/usr/bin/python3';
const pythonScript = fileURLToPath(new URL('./interop_kafka_python.py', import.meta.url));
const processTimeoutMs = 45_000;
const testTimeoutMs = 90_000;
const partitionCount = 3;

const hasKcat = spawnSync('kcat', ['-V'], { timeout: 10_000 }).status === 0;
const hasKafkaPython = spawnSync(python, ['-c', 'import kafka'], { timeout: 10_000 }).status === 0;
if (!hasKcat) {
  console.warn(
    'interop: kcat not found, skipping its tests (bash scripts/install-interop-tools.sh)',
  );
}
if (!hasKafkaPython) {
  console.warn(
    `interop: ${python} cannot import kafka, skipping kafka-python tests ` +
      '(bash scripts/install-interop-tools.sh installs python3-kafka)',
  );
}

/** One record as both clients see it; bytes in hex so that any content compares exactly. */
interface WireRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** What a producer is given: text content, null for a null key or value. */
interface TextRecord {
  key: string | null;
  value: string | null;
}

let dataDir: string;
let broker: RunningBroker;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-interop-'));
  broker = await startBroker({
    dataDir,
    kafkaPort: 0,
    defaultPartitionCount: partitionCount,
    groupInitialRebalanceDelayMs: 50,
  });
});

afterAll(async () => {
  await broker?.close();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

interface ProcessResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a child process asynchronously (the broker shares this event loop, so spawnSync would
 * starve it) and resolves with its output when it exits 0; rejects with its output otherwise,
 * and kills it after `processTimeoutMs`.
 */
function run(command: string, args: string[], input = ''): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), processTimeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const how = signal === null ? `exit code ${code}` : `signal ${signal} (timeout?)`;
        reject(new Error(`${command} ${args.join(' ')}: ${how}\n${stderr}\n${stdout}`));
      }
    });
    child.stdin.end(input);
  });
}

const hex = (text: string | null) => (text === null ? null : Buffer.from(text).toString('hex'));

function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Text records 0..count-1 with a key cycle, UTF-8 beyond ASCII, and a null key and value. */
function textRecords(prefix: string, count: number, from = 0): TextRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const number = from + index;
    if (number === 3) return { key: null, value: `${prefix}-value-${number} no key` };
    if (number === 5) return { key: `${prefix}-key-${number}`, value: null };
    return { key: `${prefix}-key-${number % 4}`, value: `${prefix}-value-${number} é ✓` };
  });
}

// kcat ----------------------------------------------------------------------------------------

interface KcatJsonRecord {
  partition: number;
  offset: number;
  key: string | null;
  payload: string | null;
  headers?: string[];
}

/**
 * kcat -P: one record per line as `key|value`, empty key or value sent as null (-Z), every
 * record with the header `source=kcat`; `partition` pins the partition, else librdkafka's
 * partitioner spreads the keys.
 */
async function kcatProduce(topic: string, records: TextRecord[], partition?: number) {
  const lines = records.map((record) => `${record.key ?? ''}|${record.value ?? ''}\n`).join('');
  const pin = partition === undefined ? [] : ['-p', String(partition)];
  const args = ['-P', '-b', broker.bootstrap, '-t', topic, '-K', '|', '-Z', '-H', 'source=kcat'];
  await run('kcat', [...args, ...pin], lines);
}

function fromKcat(record: KcatJsonRecord): WireRecord {
  const headers: Array<[string, string | null]> = [];
  const flat = record.headers ?? [];
  for (let index = 0; index + 1 < flat.length; index += 2) {
    headers.push([flat[index]!, hex(flat[index + 1]!)]);
  }
  return {
    partition: record.partition,
    offset: record.offset,
    key: hex(record.key),
    value: hex(record.payload),
    headers,
  };
}

/** kcat -C: every partition from the beginning to its end (-e), as JSON lines (-J). */
async function kcatConsume(topic: string): Promise<WireRecord[]> {
  const args = ['-C', '-b', broker.bootstrap, '-t', topic, '-o', 'beginning', '-e', '-J'];
  const { stdout } = await run('kcat', args);
  return jsonLines<KcatJsonRecord>(stdout).map(fromKcat);
}

/**
 * kcat -G: a balanced consumer in `group`, from the committed offsets (earliest without one),
 * until every assigned partition is at its end; librdkafka commits when it closes.
 */
async function kcatGroupConsume(group: string, topic: string): Promise<WireRecord[]> {
  const args = ['-b', broker.bootstrap, '-G', group, '-e', '-J'];
  const config = ['-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true'];
  const { stdout } = await run('kcat', [...args, ...config, topic]);
  return jsonLines<KcatJsonRecord>(stdout).map(fromKcat);
}

// kafka-python --------------------------------------------------------------------------------

interface PythonRecord {
  partition?: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

/** Produces through KafkaProducer (acks=all); returns each record with its acked offset. */
async function pythonProduce(topic: string, records: PythonRecord[]): Promise<WireRecord[]> {
  const input = records.map((record) => `${JSON.stringify(record)}\n`).join('');
  const args = [pythonScript, 'produce', '--bootstrap', broker.bootstrap, '--topic', topic];
  const { stdout } = await run(python, args, input);
  return jsonLines<WireRecord>(stdout);
}

/** Reads `count` records (and any extras within a linger) with KafkaConsumer. */
async function pythonConsume(topic: string, count: number, group?: string) {
  const args = [pythonScript, 'consume', '--bootstrap', broker.bootstrap, '--topic', topic];
  const groupArgs = group === undefined ? [] : ['--group', group];
  const { stdout } = await run(python, [...args, ...groupArgs, '--count', String(count)]);
  return jsonLines<WireRecord>(stdout);
}

function pythonRecords(records: TextRecord[], partition?: number): PythonRecord[] {
  return records.map((record, index) => ({
    ...(partition === undefined ? {} : { partition }),
    key: hex(record.key),
    value: hex(record.value),
    headers: [
      ['source', hex('kafka-python')],
      ['index', hex(String(index))],
    ],
  }));
}

/** What a consumer must read back from partition `partition` starting at `firstOffset`. */
function expected(
  records: Array<{ key: string | null; value: string | null }>,
  headersOf: (index: number) => Array<[string, string | null]>,
  partition = 0,
  firstOffset = 0,
): WireRecord[] {
  return records.map((record, index) => ({
    partition,
    offset: firstOffset + index,
    key: record.key,
    value: record.value,
    headers: headersOf(index),
  }));
}

const kcatHeaders = (): Array<[string, string | null]> => [['source', hex('kcat')]];

/** Produced records in the comparable form, with their content in hex. */
function asWire(records: Array<TextRecord | PythonRecord>): WireRecord[] {
  return records.map((record) => {
    const isPython = 'headers' in record;
    return {
      partition: 0,
      offset: 0,
      key: isPython ? record.key : hex(record.key),
      value: isPython ? record.value : hex(record.value),
      headers: [],
    };
  });
}

/** Records without offsets, to compare what a group read against what was produced. */
function contents(records: WireRecord[]): string[] {
  return records.map((record) => JSON.stringify([record.key, record.value])).sort();
}

/** Each partition's offsets are consecutive and increasing from its first. */
function expectInOrderPerPartition(records: WireRecord[]): void {
  const last = new Map<number, number>();
  for (const record of records) {
    const previous = last.get(record.partition);
    if (previous !== undefined) expect(record.offset).toBe(previous + 1);
    last.set(record.partition, record.offset);
  }
}

describe.skipIf(!hasKcat)('kcat (librdkafka) against Cairn', () => {
  it(
    'produces and consumes keys, values, nulls and headers with exact content and order',
    async () => {
      const records = textRecords('kcat', 20);
      await kcatProduce('kcat-round-trip', records, 0);
      const read = await kcatConsume('kcat-round-trip');
      const produced = records.map((record) => ({
        key: hex(record.key),
        value: hex(record.value),
      }));
      expect(read).toEqual(expected(produced, kcatHeaders));
    },
    testTimeoutMs,
  );

  it(
    'commits in a group (-G), and a second run of the group reads only new records',
    async () => {
      const topic = 'kcat-group';
      const first = textRecords('first', 12);
      await kcatProduce(topic, first);
      const firstRun = await kcatGroupConsume('kcat-readers', topic);
      expect(contents(firstRun)).toEqual(contents(asWire(first)));
      expect(new Set(firstRun.map((record) => record.partition)).size).toBeGreaterThan(1);
      expectInOrderPerPartition(firstRun);

      const second = textRecords('second', 6, 100);
      await kcatProduce(topic, second);
      const secondRun = await kcatGroupConsume('kcat-readers', topic);
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
      expectInOrderPerPartition(secondRun);
    },
    testTimeoutMs,
  );
});

describe.skipIf(!hasKafkaPython)('kafka-python against Cairn', () => {
  it(
    'produces and consumes any bytes, nulls and headers with exact content and order',
    async () => {
      const binary = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
      const records = [
        ...pythonRecords(textRecords('python', 10), 0),
        { partition: 0, key: binary.toString('hex'), value: '', headers: [] },
        { partition: 0, key: '', value: binary.toString('hex'), headers: [['empty', '']] },
        // kafka-python refuses a record with neither key nor value, and null header values.
        { partition: 0, key: null, value: '', headers: [] },
      ] satisfies PythonRecord[];
      const acked = await pythonProduce('python-round-trip', records);
      expect(acked.map((record) => [record.partition, record.offset])).toEqual(
        records.map((_, index) => [0, index]),
      );
      const read = await pythonConsume('python-round-trip', records.length);
      expect(read).toEqual(expected(records, (index) => records[index]!.headers));
    },
    testTimeoutMs,
  );

  it(
    'commits in a group, and a second run of the group reads only new records',
    async () => {
      const topic = 'python-group';
      const first = pythonRecords(textRecords('first', 12));
      await pythonProduce(topic, first);
      const firstRun = await pythonConsume(topic, first.length, 'python-readers');
      expect(contents(firstRun)).toEqual(contents(asWire(first)));
      expect(new Set(firstRun.map((record) => record.partition)).size).toBeGreaterThan(1);
      expectInOrderPerPartition(firstRun);

      const second = pythonRecords(textRecords('second', 6, 100));
      await pythonProduce(topic, second);
      const secondRun = await pythonConsume(topic, second.length, 'python-readers');
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
    },
    testTimeoutMs,
  );
});

describe.skipIf(!hasKcat || !hasKafkaPython)('kcat and kafka-python read each other', () => {
  it(
    'kafka-python reads exactly what kcat produced',
    async () => {
      const records = textRecords('from-kcat', 15);
      await kcatProduce('kcat-to-python', records, 0);
      const read = await pythonConsume('kcat-to-python', records.length);
      const produced = records.map((record) => ({
        key: hex(record.key),
        value: hex(record.value),
      }));
      expect(read).toEqual(expected(produced, kcatHeaders));
    },
    testTimeoutMs,
  );

  it(
    'kcat reads exactly what kafka-python produced',
    async () => {
      const records = pythonRecords(textRecords('from-python', 15), 0);
      await pythonProduce('python-to-kcat', records);
      const read = await kcatConsume('python-to-kcat');
      expect(read).toEqual(expected(records, (index) => records[index]!.headers));
    },
    testTimeoutMs,
  );

  it(
    'a group that kafka-python committed resumes in kcat from the committed offsets',
    async () => {
      const topic = 'shared-group';
      const first = pythonRecords(textRecords('first', 9));
      await pythonProduce(topic, first);
      const firstRun = await pythonConsume(topic, first.length, 'shared-readers');
      expect(contents(firstRun)).toEqual(contents(asWire(first)));

      const second = textRecords('second', 5, 100);
      await kcatProduce(topic, second);
      const secondRun = await kcatGroupConsume('shared-readers', topic);
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
    },
    testTimeoutMs,
  );
});
