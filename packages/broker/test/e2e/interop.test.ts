// Proves three third-party clients work against Cairn unchanged, as independent oracles: kcat
// (librdkafka), kafka-python and confluent-kafka (librdkafka's Python binding) run as child
// processes against a broker started in-process on an ephemeral port, produce and consume keys,
// values, nulls and headers with exact content and order, commit offsets in consumer groups (a
// second run reads only new records), read each other's records, and (confluent-kafka) produce
// idempotently, look offsets up by timestamp and administer topics, configs and groups. A
// transactional producer (kcat, confluent-kafka) fails at once, told transactions are unsupported.
// Without kcat, Debian's python3-kafka or python3-confluent-kafka the suites skip with a warning;
// scripts/install-interop-tools.sh installs them (npm test runs it).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  batchPositions,
  readBaseSequence,
  readProducerEpoch,
  readProducerId,
  readRecordCount,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';

/** Debian's interpreter: python3-kafka is installed for it, not for a pyenv python3 on PATH. */
const python = '/usr/bin/python3';
const pythonScript = fileURLToPath(new URL('./interop_kafka_python.py', import.meta.url));
const confluentScript = fileURLToPath(new URL('./interop_confluent_kafka.py', import.meta.url));
const processTimeoutMs = 45_000;
const testTimeoutMs = 90_000;
const partitionCount = 3;
/** A transactional producer is refused at its first step: well under its init timeout. */
const transactionRefusalMsMax = 4_000;

const hasKcat = spawnSync('kcat', ['-V'], { timeout: 10_000 }).status === 0;
const hasKafkaPython = spawnSync(python, ['-c', 'import kafka'], { timeout: 10_000 }).status === 0;
const hasConfluentKafka =
  spawnSync(python, ['-c', 'import confluent_kafka'], { timeout: 10_000 }).status === 0;
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
if (!hasConfluentKafka) {
  console.warn(
    `interop: ${python} cannot import confluent_kafka, skipping confluent-kafka tests ` +
      '(bash scripts/install-interop-tools.sh installs python3-confluent-kafka)',
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

  it(
    'fails a transactional producer (-X transactional.id) at once, saying why',
    async () => {
      const args = ['-P', '-b', broker.bootstrap, '-t', 'kcat-tx', '-K', '|'];
      const startedAt = Date.now();
      const failure = await run('kcat', [...args, '-X', 'transactional.id=kcat-tx'], 'k|v\n').then(
        () => 'kcat exited 0',
        (error: unknown) => String(error),
      );
      // kcat gives init_transactions() 5 s; a retried refusal took all of them.
      expect(Date.now() - startedAt).toBeLessThan(transactionRefusalMsMax);
      expect(failure).toContain(
        'init_transactions(): Failed to find transaction coordinator: ' +
          `${broker.bootstrap}/0: Broker: Transactional Id authorization failed: ` +
          'transactions are not supported by Cairn (transactional.id "kcat-tx")',
      );
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

// confluent-kafka -----------------------------------------------------------------------------

interface ConfluentRecord extends PythonRecord {
  timestamp?: number;
}

/**
 * Produces through an idempotent confluent-kafka Producer (enable.idempotence=true, acks=all);
 * returns each record with its acked partition and offset, in the order they were acked.
 */
async function confluentProduce(topic: string, records: ConfluentRecord[]) {
  const input = records.map((record) => `${JSON.stringify(record)}\n`).join('');
  const args = [confluentScript, 'produce', '--bootstrap', broker.bootstrap, '--topic', topic];
  const { stdout } = await run(python, args, input);
  return jsonLines<WireRecord>(stdout);
}

/**
 * Reads `count` records (and any extras within a linger) with a confluent-kafka Consumer; with
 * `instanceId` as a static member of `group`.
 */
async function confluentConsume(topic: string, count: number, group?: string, instanceId?: string) {
  const args = [confluentScript, 'consume', '--bootstrap', broker.bootstrap, '--topic', topic];
  const groupArgs = group === undefined ? [] : ['--group', group];
  const staticArgs = instanceId === undefined ? [] : ['--instance-id', instanceId];
  const countArgs = ['--count', String(count)];
  const { stdout } = await run(python, [...args, ...groupArgs, ...staticArgs, ...countArgs]);
  return jsonLines<WireRecord>(stdout);
}

interface DescribedGroup {
  id: string;
  state: string;
  protocol: string;
  members: number;
}

/** The group as confluent-kafka's AdminClient.list_groups describes it. */
async function confluentGroup(group: string): Promise<DescribedGroup | undefined> {
  const args = [confluentScript, 'groups', '--bootstrap', broker.bootstrap, '--group', group];
  const { stdout } = await run(python, args);
  return (JSON.parse(stdout) as DescribedGroup[])[0];
}

/** What the `offsets` command reports for one partition; -1001 is librdkafka's "no offset". */
interface PartitionOffsets {
  low: number;
  high: number;
  forTimestamp: number;
  committed: number;
}

async function confluentOffsets(topic: string, timestamp: number, group?: string) {
  const args = [confluentScript, 'offsets', '--bootstrap', broker.bootstrap, '--topic', topic];
  const groupArgs = group === undefined ? [] : ['--group', group];
  const timestampArgs = ['--timestamp', String(timestamp)];
  const { stdout } = await run(python, [...args, ...groupArgs, ...timestampArgs]);
  return JSON.parse(stdout) as Record<string, PartitionOffsets>;
}

const noOffset = -1001;

function confluentRecords(records: TextRecord[], partition?: number): ConfluentRecord[] {
  return records.map((record, index) => ({
    ...(partition === undefined ? {} : { partition }),
    key: hex(record.key),
    value: hex(record.value),
    headers: [
      ['source', hex('confluent-kafka')],
      ['index', hex(String(index))],
    ],
  }));
}

/** Every batch of partition 0's first segment carries a producer id, an epoch and sequences. */
async function expectIdempotentBatches(topic: string, recordCount: number): Promise<void> {
  const segment = await readFile(join(dataDir, `${topic}-0`, '00000000000000000000.log'));
  const positions = batchPositions(segment);
  expect(positions.length).toBeGreaterThan(0);
  const producerId = readProducerId(segment, positions[0]);
  expect(producerId).toBeGreaterThanOrEqual(0);
  let nextSequence = 0;
  for (const position of positions) {
    expect(readProducerId(segment, position)).toBe(producerId);
    expect(readProducerEpoch(segment, position)).toBeGreaterThanOrEqual(0);
    expect(readBaseSequence(segment, position)).toBe(nextSequence);
    nextSequence += readRecordCount(segment, position);
  }
  expect(nextSequence).toBe(recordCount);
}

/** One line of the `admin` command's output. */
interface AdminStep {
  step: string;
  errors?: Record<string, string | null>;
  values?: Record<string, string>;
  overrides?: string[];
  count?: number;
  topics?: string[];
  brokers?: string[];
  groups?: Array<{
    id: string;
    state: string;
    protocol_type: string;
    error: string | null;
    members: number;
  }>;
  listed?: boolean;
}

async function confluentAdmin(topic: string): Promise<Map<string, AdminStep>> {
  const args = [confluentScript, 'admin', '--bootstrap', broker.bootstrap, '--topic', topic];
  const { stdout } = await run(python, args);
  return new Map(jsonLines<AdminStep>(stdout).map((step) => [step.step, step]));
}

describe.skipIf(!hasConfluentKafka)('confluent-kafka (librdkafka) against Cairn', () => {
  it(
    'produces idempotently with acks=all and consumes any bytes, nulls and headers in order',
    async () => {
      const topic = 'confluent-round-trip';
      const binary = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
      const records = [
        ...confluentRecords(textRecords('confluent', 10), 0),
        { partition: 0, key: binary.toString('hex'), value: '', headers: [['null', null]] },
        { partition: 0, key: '', value: binary.toString('hex'), headers: [['empty', '']] },
        { partition: 0, key: null, value: null, headers: [] },
      ] satisfies ConfluentRecord[];
      const acked = await confluentProduce(topic, records);
      expect(acked.map((record) => [record.partition, record.offset])).toEqual(
        records.map((_, index) => [0, index]),
      );
      await expectIdempotentBatches(topic, records.length);
      const read = await confluentConsume(topic, records.length);
      expect(read).toEqual(expected(records, (index) => records[index]!.headers));
    },
    testTimeoutMs,
  );

  it(
    'commits in a group, a second run reads only new records, and a second group reads all',
    async () => {
      const topic = 'confluent-group';
      const first = confluentRecords(textRecords('first', 12));
      await confluentProduce(topic, first);
      const firstRun = await confluentConsume(topic, first.length, 'confluent-readers');
      expect(contents(firstRun)).toEqual(contents(asWire(first)));
      expect(new Set(firstRun.map((record) => record.partition)).size).toBeGreaterThan(1);
      expectInOrderPerPartition(firstRun);
      const offsets = await confluentOffsets(topic, 0, 'confluent-readers');
      for (const partition of Object.values(offsets)) {
        expect(partition.committed).toBe(partition.high === 0 ? noOffset : partition.high);
      }

      const second = confluentRecords(textRecords('second', 6, 100));
      await confluentProduce(topic, second);
      const secondRun = await confluentConsume(topic, second.length, 'confluent-readers');
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
      expectInOrderPerPartition(secondRun);

      const everything = [...first, ...second];
      const otherGroup = await confluentConsume(topic, everything.length, 'confluent-auditors');
      expect(contents(otherGroup)).toEqual(contents(asWire(everything)));
    },
    testTimeoutMs,
  );

  it(
    'finds offsets by timestamp and the watermarks (ListOffsets)',
    async () => {
      const topic = 'confluent-timestamps';
      const timestamps = [1_000_000, 2_000_000, 3_000_000];
      const records = confluentRecords(textRecords('timed', timestamps.length), 0).map(
        (record, index) => ({ ...record, timestamp: timestamps[index]! }),
      );
      await confluentProduce(topic, records);
      const between = await confluentOffsets(topic, 1_500_000);
      expect(between['0']).toEqual({ low: 0, high: 3, forTimestamp: 1, committed: noOffset });
      // Empty partitions have no record at or after any time: -1 (librdkafka's OFFSET_END).
      for (const [partition, offsets] of Object.entries(between)) {
        if (partition !== '0') expect(offsets).toMatchObject({ high: 0, forTimestamp: -1 });
      }
      const exact = await confluentOffsets(topic, 3_000_000);
      expect(exact['0']?.forTimestamp).toBe(2);
      const after = await confluentOffsets(topic, 3_000_001);
      expect(after['0']?.forTimestamp).toBe(-1);
    },
    testTimeoutMs,
  );

  it(
    'administers topics, configs and groups with AdminClient',
    async () => {
      await confluentProduce('confluent-admin-source', confluentRecords(textRecords('a', 3)));
      await confluentConsume('confluent-admin-source', 3, 'confluent-admin-group');
      const topic = 'confluent-admin';
      const steps = await confluentAdmin(topic);
      const step = (name: string): AdminStep => {
        const found = steps.get(name);
        expect(found, name).toBeDefined();
        return found!;
      };
      expect(step('create_topics').errors).toEqual({ [topic]: null });
      expect(step('create_topics_again').errors).toEqual({ [topic]: 'TOPIC_ALREADY_EXISTS' });
      expect(step('create_topics_invalid').errors).toEqual({
        [`${topic}-invalid`]: 'INVALID_REPLICATION_FACTOR',
      });

      const created = step('describe_configs');
      expect(created.overrides).toEqual(['retention.ms', 'segment.ms']);
      expect(created.values).toMatchObject({ 'retention.ms': '3600000', 'segment.ms': '1800000' });
      // AlterConfigs replaces the whole set: segment.ms, left out, goes back to its default.
      expect(step('alter_configs').errors).toEqual({ [topic]: null });
      const altered = step('describe_configs_altered');
      expect(altered.overrides).toEqual(['retention.ms']);
      expect(altered.values).toMatchObject({
        'retention.ms': '7200000',
        'segment.ms': '604800000',
      });

      expect(step('create_partitions').errors).toEqual({ [topic]: null });
      expect(step('partition_count').count).toBe(4);
      expect(step('create_partitions_fewer').errors).toEqual({ [topic]: 'INVALID_PARTITIONS' });

      const listed = step('list_topics');
      expect(listed.topics).toContain(topic);
      expect(listed.topics).toContain('confluent-admin-source');
      expect(listed.brokers).toEqual([broker.bootstrap]);
      expect(step('list_groups').groups).toContainEqual({
        id: 'confluent-admin-group',
        state: 'Empty',
        protocol_type: 'consumer',
        error: null,
        members: 0,
      });
      expect(step('describe_broker_configs').count).toBeGreaterThan(0);

      expect(step('delete_topics').errors).toEqual({ [topic]: null });
      expect(step('delete_topics_unknown').errors).toEqual({
        [`${topic}-never-created`]: 'UNKNOWN_TOPIC_OR_PART',
      });
      expect(step('listed_after_delete').listed).toBe(false);
    },
    testTimeoutMs,
  );
});

describe.skipIf(!hasConfluentKafka)('confluent-kafka group membership and transactions', () => {
  it(
    'keeps a static member (group.instance.id) that closed, and takes it back when it returns',
    async () => {
      const topic = 'confluent-static';
      const group = 'confluent-static-group';
      const first = confluentRecords(textRecords('first', 6));
      await confluentProduce(topic, first);
      const firstRun = await confluentConsume(topic, first.length, group, 'static-1');
      expect(contents(firstRun)).toEqual(contents(asWire(first)));
      // A static member sends no LeaveGroup when it closes: the group keeps it, Stable.
      expect(await confluentGroup(group)).toMatchObject({ state: 'Stable', members: 1 });

      const second = confluentRecords(textRecords('second', 4, 100));
      await confluentProduce(topic, second);
      const secondRun = await confluentConsume(topic, second.length, group, 'static-1');
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
      expect(await confluentGroup(group)).toMatchObject({ state: 'Stable', members: 1 });
    },
    testTimeoutMs,
  );

  it(
    'fails init_transactions() at once with a fatal error that says transactions are unsupported',
    async () => {
      const args = [confluentScript, 'transactional', '--bootstrap', broker.bootstrap];
      const { stdout } = await run(python, [...args, '--topic', 'tx-1', '--timeout-ms', '20000']);
      // librdkafka retries every other refusal (INVALID_REQUEST, COORDINATOR_NOT_AVAILABLE,
      // UNSUPPORTED_VERSION) every 500 ms until init_transactions' timeout, here 20 s.
      const outcome = JSON.parse(stdout) as { message: string; seconds: number };
      expect(outcome).toMatchObject({
        error: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
        fatal: true,
      });
      expect(outcome.seconds * 1000).toBeLessThan(transactionRefusalMsMax);
      expect(outcome.message).toBe(
        `Failed to find transaction coordinator: ${broker.bootstrap}/0: Broker: ` +
          'Transactional Id authorization failed: transactions are not supported by Cairn ' +
          '(transactional.id "tx-1"); unset transactional.id: idempotent producers ' +
          '(enable.idempotence) are supported',
      );
    },
    testTimeoutMs,
  );
});

describe.skipIf(!hasConfluentKafka || !hasKafkaPython)('confluent-kafka and kafka-python', () => {
  it(
    'a group that confluent-kafka committed resumes in kafka-python from the committed offsets',
    async () => {
      const topic = 'confluent-shared-group';
      const first = confluentRecords(textRecords('first', 9));
      await confluentProduce(topic, first);
      const firstRun = await confluentConsume(topic, first.length, 'confluent-shared-readers');
      expect(contents(firstRun)).toEqual(contents(asWire(first)));

      const second = pythonRecords(textRecords('second', 5, 100));
      await pythonProduce(topic, second);
      const secondRun = await pythonConsume(topic, second.length, 'confluent-shared-readers');
      expect(contents(secondRun)).toEqual(contents(asWire(second)));
    },
    testTimeoutMs,
  );
});
