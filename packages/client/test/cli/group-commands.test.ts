// Proves `cairn group list|describe|lag|reset-offsets` against a real broker: offsets moved by
// reset-offsets (to an offset, the earliest, the latest, a time; a dry run moves nothing) show
// in lag, per partition and in total; a live member shows in describe and lag with what it
// holds, and its group cannot be reset (exit 1, NON_EMPTY_GROUP).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consumer } from '../../src/consumer.js';
import { startTestBroker, type TestBroker } from '../helpers/broker.js';
import { runCli } from './run-cli.js';

let test: TestBroker;
let brokers: string;

beforeAll(async () => {
  test = await startTestBroker();
  brokers = test.broker.bootstrap;
  await cli('topic', 'create', 'events', '-p', '2');
  await runCli(['produce', 'events', '-p', '0', '--brokers', brokers], {
    stdin: 'a\nb\nc\nd\ne\nf\n',
  });
  await runCli(['produce', 'events', '-p', '1', '--brokers', brokers], { stdin: 'g\nh\ni\nj\n' });
});

afterAll(async () => {
  await test.stop();
});

const cli = (...argv: string[]) => runCli([...argv, '--brokers', brokers]);

interface LagJson {
  groupId: string;
  state: string;
  totalLag: number;
  partitions: {
    topic: string;
    partition: number;
    committedOffset: number;
    logEndOffset: number;
    lag: number | null;
    memberId: string | null;
  }[];
}

const lagOf = async (group: string): Promise<LagJson> =>
  JSON.parse((await cli('group', 'lag', group, '--json')).stdout) as LagJson;

describe('cairn group', () => {
  it('resets an unused group to an offset, and shows the lag per partition and in total', async () => {
    const reset = await cli(
      'group',
      'reset-offsets',
      'g1',
      '--topic',
      'events',
      '--to-offset',
      '2',
    );
    expect(reset.stderr).toBe('');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/^events +0 +2$/m);
    expect(reset.stdout).toMatch(/^events +1 +2$/m);

    const lag = await cli('group', 'lag', 'g1');
    expect(lag.code).toBe(0);
    expect(lag.stdout).toMatch(/^TOTAL LAG +6$/m);
    expect(lag.stdout).toMatch(/^events +0 +2 +6 +4 +-$/m);
    expect(lag.stdout).toMatch(/^events +1 +2 +4 +2 +-$/m);

    const list = await cli('group', 'list', '--json');
    expect(JSON.parse(list.stdout)).toContainEqual(expect.objectContaining({ groupId: 'g1' }));
    const describe = await cli('group', 'describe', 'g1');
    expect(describe.stdout).toMatch(/^STATE +Empty$/m);
    expect(describe.stdout).toMatch(/^MEMBERS +0$/m);
  });

  it('resets to the earliest, the latest and a time; a dry run commits nothing', async () => {
    await cli('group', 'reset-offsets', 'g2', '-t', 'events', '--to-earliest');
    expect((await lagOf('g2')).totalLag).toBe(10);
    const latest = await cli('group', 'reset-offsets', 'g2', '--to-latest');
    expect(latest.code).toBe(0);
    expect((await lagOf('g2')).totalLag).toBe(0);

    const dry = await cli('group', 'reset-offsets', 'g2', '--to-earliest', '--dry-run');
    expect(dry.stdout).toMatch(/dry run: nothing committed/);
    expect(dry.stdout).toMatch(/^events +0 +0$/m);
    expect((await lagOf('g2')).totalLag).toBe(0);

    const past = await cli(
      'group',
      'reset-offsets',
      'g2',
      '--to-timestamp',
      '2000-01-01T00:00:00Z',
    );
    expect(past.code).toBe(0);
    expect((await lagOf('g2')).totalLag).toBe(10);
    const future = await cli(
      'group',
      'reset-offsets',
      'g2',
      '-t',
      'events',
      '-p',
      '1',
      '--to-timestamp',
      String(Date.now() + 3_600_000),
    );
    expect(future.code).toBe(0);
    const partitions = (await lagOf('g2')).partitions;
    expect(partitions.map((p) => p.committedOffset)).toEqual([0, 4]);
  });

  it('shows a live member and what it holds, and refuses to reset its group', async () => {
    const consumer = new Consumer({
      bootstrap: [brokers],
      groupId: 'live',
      maxWaitMs: 50,
      autoOffsetReset: 'earliest',
    });
    try {
      await consumer.subscribe(['events']);
      const seen: string[] = [];
      for await (const message of consumer) {
        seen.push(message.value!.toString());
        if (seen.length === 10) break;
      }
      await consumer.commit();
      const describe = await cli('group', 'describe', 'live');
      expect(describe.code).toBe(0);
      expect(describe.stdout).toMatch(/^STATE +Stable$/m);
      expect(describe.stdout).toMatch(/^MEMBERS +1$/m);
      expect(describe.stdout).toMatch(/ events-0,events-1$/m);
      const lag = await lagOf('live');
      expect(lag.partitions.every((p) => p.memberId === consumer.memberId)).toBe(true);
      const reset = await cli('group', 'reset-offsets', 'live', '--to-earliest');
      expect(reset.code).toBe(1);
      expect(reset.stderr).toMatch(/^cairn: NON_EMPTY_GROUP/);
    } finally {
      await consumer.close();
    }
  });

  it('describes a group that does not exist as Dead', async () => {
    const run = await cli('group', 'describe', 'nobody', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ groupId: 'nobody', state: 'Dead', members: [] });
  });

  it('refuses usage mistakes with exit 2', async () => {
    const none = await cli('group', 'reset-offsets', 'g1');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give exactly one of/);
    expect((await cli('group', 'reset-offsets', 'g1', '--to-earliest', '--to-latest')).code).toBe(
      2,
    );
    const unknownGroup = await cli('group', 'reset-offsets', 'fresh', '--to-earliest');
    expect(unknownGroup.code).toBe(2);
    expect(unknownGroup.stderr).toMatch(/no committed offsets: name the topics with --topic/);
    const partitions = await cli(
      'group',
      'reset-offsets',
      'g1',
      '-t',
      'a',
      '-t',
      'b',
      '-p',
      '0',
      '--to-latest',
    );
    expect(partitions.code).toBe(2);
    expect((await cli('group', 'lag')).code).toBe(2);
  });

  it('exits 1 for a topic that does not exist', async () => {
    const run = await cli('group', 'reset-offsets', 'g3', '-t', 'missing', '--to-earliest');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UNKNOWN_TOPIC_OR_PARTITION/);
  });
});
