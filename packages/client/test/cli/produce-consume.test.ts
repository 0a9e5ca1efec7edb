// Proves `cairn produce` and `cairn consume` against a real broker: lines become records with
// keys, headers and partitions as asked, and come back from the beginning, an offset, a
// timestamp, a group (which commits, so a second run continues) or a partition, as text or
// JSON; usage mistakes exit 2 and broker errors exit 1.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { type CliRunOptions, runCli } from './run-cli.js';

let test: TestBroker;
let brokers: string;
let dir: string;

beforeAll(async () => {
  test = await startTestBroker({ defaultPartitionCount: 3 });
  brokers = test.broker.bootstrap;
  dir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
});

afterAll(async () => {
  await test.stop();
  await rm(dir, { recursive: true, force: true });
});

const cli = (argv: string[], options?: CliRunOptions) =>
  runCli([...argv, '--brokers', brokers], options);

interface JsonRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string | null }[];
}

const jsonLines = (stdout: string): JsonRecord[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as JsonRecord);

describe('cairn produce', () => {
  it('sends each line of stdin to one partition, with a key and headers', async () => {
    const run = await cli(['produce', 'lines', '-p', '1', '-k', 'k1', '-H', 'a=1', '-H', 'b=x=y'], {
      stdin: 'one\ntwo\r\n\nthree',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Produced 3 records to lines\n/);
    expect(run.stdout).toMatch(/^1 +3 +0 +2$/m);
    const read = await cli([
      'consume',
      'lines',
      '-p',
      '1',
      '--from-beginning',
      '-n',
      '3',
      '--json',
    ]);
    expect(read.code).toBe(0);
    const records = jsonLines(read.stdout);
    expect(records.map((r) => r.value)).toEqual(['one', 'two', 'three']);
    expect(records.map((r) => [r.partition, r.offset, r.key])).toEqual([
      [1, 0, 'k1'],
      [1, 1, 'k1'],
      [1, 2, 'k1'],
    ]);
    expect(records[0]!.headers).toEqual([
      { key: 'a', value: '1' },
      { key: 'b', value: 'x=y' },
    ]);
  });

  it('splits keys off with --key-separator, reads --file, and says so in --json', async () => {
    const file = join(dir, 'keyed.txt');
    await writeFile(file, 'alice:1\nbob:2\nno key here\n');
    const run = await cli(['produce', 'keyed', '--file', file, '--key-separator', ':', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.recordCount).toBe(3);
    const read = await cli(['consume', 'keyed', '--from-beginning', '-n', '3', '--format', 'json']);
    const records = jsonLines(read.stdout).sort((a, b) => (a.value! < b.value! ? -1 : 1));
    expect(records.map((r) => [r.key, r.value])).toEqual([
      ['alice', '1'],
      ['bob', '2'],
      [null, 'no key here'],
    ]);
  });

  it('refuses conflicting or malformed options with exit 2', async () => {
    const both = await cli(['produce', 't', '-k', 'a', '--key-separator', ':']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--key and --key-separator exclude each other/);
    const header = await cli(['produce', 't', '-H', 'novalue']);
    expect(header.code).toBe(2);
    expect(header.stderr).toMatch(/--header wants key=value/);
    const acks = await cli(['produce', 't', '--acks', '2']);
    expect(acks.code).toBe(2);
    const noTopic = await cli(['produce']);
    expect(noTopic.code).toBe(2);
    expect(noTopic.stderr).toMatch(/missing TOPIC/);
  });

  it('exits 1 for a missing file and for a partition the topic does not have', async () => {
    const missing = await cli(['produce', 'lines', '--file', join(dir, 'nope.txt')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/ENOENT/);
    const partition = await cli(['produce', 'lines', '-p', '7'], { stdin: 'x\n' });
    expect(partition.code).toBe(1);
    expect(partition.stderr).toMatch(/^cairn: .*partition/i);
  });
});

describe('cairn consume', () => {
  beforeAll(async () => {
    const lines = Array.from({ length: 10 }, (_, n) => `v${n}`).join('\n');
    const run = await cli(['produce', 'numbers', '-p', '0'], { stdin: lines });
    expect(run.code).toBe(0);
  });

  it('prints values as text from an offset', async () => {
    const run = await cli(['consume', 'numbers', '-p', '0', '--offset', '7', '-n', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('v7\nv8\nv9\n');
  });

  it('starts at a timestamp', async () => {
    const all = jsonLines(
      (await cli(['consume', 'numbers', '-p', '0', '-o', '0', '-n', '10', '--json'])).stdout,
    );
    const last = all.at(-1)!;
    const iso = new Date(last.timestamp).toISOString();
    const run = await cli([
      'consume',
      'numbers',
      '-p',
      '0',
      '--timestamp',
      iso,
      '-n',
      '1',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const [record] = jsonLines(run.stdout);
    expect(record!.timestamp).toBeGreaterThanOrEqual(last.timestamp);
    expect(record!.offset).toBeLessThanOrEqual(last.offset);
  });

  it('continues where the group left off', async () => {
    const first = await cli(['consume', 'numbers', '-g', 'readers', '--from-beginning', '-n', '4']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('v0\nv1\nv2\nv3\n');
    const second = await cli(['consume', 'numbers', '-g', 'readers', '-n', '2']);
    expect(second.stdout).toBe('v4\nv5\n');
  });

  it('commits what it printed when interrupted in a group', async () => {
    const interrupt = new AbortController();
    const reading = cli(['consume', 'numbers', '-g', 'interrupted', '--from-beginning'], {
      signal: interrupt.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    interrupt.abort();
    const first = await reading;
    expect(first.code).toBe(0);
    const printed = first.stdout.split('\n').filter((line) => line !== '').length;
    expect(printed).toBeGreaterThan(0);
    const next = await cli(['produce', 'numbers', '-p', '0'], { stdin: 'after\n' });
    expect(next.code).toBe(0);
    const second = await cli(['consume', 'numbers', '-g', 'interrupted', '-n', '1']);
    expect(second.stdout).toBe('after\n');
  });

  it('waits for new records from the end, and stops cleanly when interrupted', async () => {
    const interrupt = new AbortController();
    const reading = cli(['consume', 'numbers'], { signal: interrupt.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cli(['produce', 'numbers', '-p', '0'], { stdin: 'fresh\n' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    interrupt.abort();
    const run = await reading;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('fresh\n');
  });

  it('refuses bad combinations with exit 2', async () => {
    const starts = await cli(['consume', 'numbers', '--from-beginning', '--offset', '3']);
    expect(starts.code).toBe(2);
    expect(starts.stderr).toMatch(/exclude each other/);
    const group = await cli(['consume', 'numbers', '-g', 'g', '-p', '0']);
    expect(group.code).toBe(2);
    const format = await cli(['consume', 'numbers', '--format', 'xml']);
    expect(format.code).toBe(2);
    const count = await cli(['consume', 'numbers', '-n', '0']);
    expect(count.code).toBe(2);
    const time = await cli(['consume', 'numbers', '--timestamp', 'yesterday']);
    expect(time.code).toBe(2);
    const partition = await cli(['consume', 'numbers', '-p', '5', '-n', '1']);
    expect(partition.code).toBe(2);
    expect(partition.stderr).toMatch(/numbers has 3 partitions: no partition 5/);
  });

  it('exits 1 for a topic that does not exist, without creating it', async () => {
    const run = await cli(['consume', 'no-such-topic', '-n', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
    expect(test.broker.registry.topic('no-such-topic')).toBeUndefined();
  });
});
