// Proves `cairn topic create|list|describe|delete|alter-config` against a real broker: each
// change is visible in the broker's registry and in the next command's table and JSON, and
// Kafka's errors (an existing topic, a bad config, a missing topic) exit 1 with their name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runCli } from './run-cli.js';

let test: TestBroker;
let brokers: string;

beforeAll(async () => {
  test = await startTestBroker();
  brokers = test.broker.bootstrap;
});

afterAll(async () => {
  await test.stop();
});

const cli = (...argv: string[]) => runCli([...argv, '--brokers', brokers]);

describe('cairn topic', () => {
  it('creates topics with partitions and configs, and lists them', async () => {
    const created = await cli(
      'topic',
      'create',
      'orders',
      'payments',
      '-p',
      '3',
      '-c',
      'retention.ms=60000',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^orders +created$/m);
    expect(test.broker.registry.topic('payments')?.partitions.length).toBe(3);

    const listed = await cli('topic', 'list');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME +PARTITIONS +REPLICAS$/m);
    expect(listed.stdout).toMatch(/^orders +3 +1$/m);
    expect(listed.stdout).not.toMatch(/__consumer_offsets/);

    const json = JSON.parse((await cli('topic', 'list', '--json')).stdout);
    expect(json).toContainEqual({
      name: 'payments',
      partitionCount: 3,
      replicationFactor: 1,
      internal: false,
    });
  });

  it('describes a topic: its configs and each partition with its offsets', async () => {
    await cli('topic', 'create', 'described', '-p', '2', '-c', 'cleanup.policy=compact');
    const produced = await runCli(['produce', 'described', '-p', '1', '--brokers', brokers], {
      stdin: 'a\nb\nc\n',
    });
    expect(produced.code).toBe(0);
    const run = await cli('topic', 'describe', 'described');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^NAME +described$/m);
    expect(run.stdout).toMatch(/^cleanup\.policy +compact +DYNAMIC_TOPIC_CONFIG$/m);
    expect(run.stdout).toMatch(/^0 +0 +0 +0 +0$/m);
    expect(run.stdout).toMatch(/^1 +0 +0 +0 +3$/m);
    const json = JSON.parse((await cli('topic', 'describe', 'described', '--json')).stdout);
    expect(json.partitions[1]).toMatchObject({ partition: 1, logStartOffset: 0, highWatermark: 3 });
    expect(json.configs).toContainEqual(
      expect.objectContaining({ name: 'cleanup.policy', value: 'compact' }),
    );
  });

  it('alters configs: sets one and returns another to its default', async () => {
    await cli('topic', 'create', 'tuned', '-c', 'retention.ms=1000');
    const run = await cli(
      'topic',
      'alter-config',
      'tuned',
      '--set',
      'segment.bytes=1048576',
      '--delete',
      'retention.ms',
    );
    expect(run.code).toBe(0);
    const configs = JSON.parse((await cli('topic', 'describe', 'tuned', '--json')).stdout)
      .configs as {
      name: string;
      value: string;
      source: string;
    }[];
    const config = (name: string) => configs.find((entry) => entry.name === name);
    expect(config('segment.bytes')).toMatchObject({
      value: '1048576',
      source: 'DYNAMIC_TOPIC_CONFIG',
    });
    expect(config('retention.ms')?.source).not.toBe('DYNAMIC_TOPIC_CONFIG');
  });

  it('deletes topics', async () => {
    await cli('topic', 'create', 'doomed');
    expect(test.broker.registry.topic('doomed')).toBeDefined();
    const run = await cli('topic', 'delete', 'doomed', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([{ topic: 'doomed', status: 'deleted' }]);
    expect(test.broker.registry.topic('doomed')).toBeUndefined();
  });

  it('exits 1 with Kafka error names', async () => {
    await cli('topic', 'create', 'twice');
    const exists = await cli('topic', 'create', 'twice');
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/^cairn: TOPIC_ALREADY_EXISTS/);
    const missing = await cli('topic', 'describe', 'never-made');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
    const badConfig = await cli('topic', 'alter-config', 'twice', '--set', 'retention.ms=soon');
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/INVALID_CONFIG/);
    const gone = await cli('topic', 'delete', 'never-made');
    expect(gone.code).toBe(1);
  });

  it('refuses usage mistakes with exit 2', async () => {
    expect((await cli('topic', 'create')).code).toBe(2);
    expect((await cli('topic', 'create', 'x', '-p', '0')).code).toBe(2);
    expect((await cli('topic', 'create', 'x', '-c', 'novalue')).code).toBe(2);
    const nothing = await cli('topic', 'alter-config', 'x');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/nothing to change/);
    expect((await cli('topic', 'describe')).code).toBe(2);
    expect((await cli('topic', 'describe', 'a', 'b')).code).toBe(2);
  });
});
