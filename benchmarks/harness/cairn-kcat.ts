/**
 * Cairn driven by kcat: librdkafka is a fast C client, so this target measures the broker
 * rather than a JavaScript client. Producers are `kcat -P` processes reading record lines from
 * a file (`-c` records each); consumers are `kcat -C` (one consumer over every partition, or a
 * replay from an offset) or `kcat -G` (a member of a consumer group), each exiting at the end
 * of its partitions (`-e`) and printing only offsets, so the harness reading their output
 * costs little. Consumers are timed from their first record to the last exit, which leaves
 * out process start and the group's join.
 */

import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { kcatVersion } from '../kcat.js';
import { type CairnBroker, startCairnBroker } from './cairn-broker.js';
import { kcatFetchBytesMax, kcatQueueRecordsMax, kcatStdinReadBytes } from './constants.js';
import { createTopic, deleteTopic } from './kafka-admin.js';
import { endOffsetsReached, type KcatExit, settingArgs, spawnKcat } from './kcat-process.js';
import { runLatency } from './latency-run.js';
import { writeRecordLines } from './record-values.js';
import { commandMissing } from './server-process.js';
import type {
  Acks,
  Compression,
  ConsumeLoad,
  FanOutLoad,
  LatencyLoad,
  ProduceLoad,
  ReplayLoad,
  Target,
  TargetContext,
  Timed,
  Topic,
} from './target.js';
import { splitEvenly } from './target.js';

/** librdkafka settings for throughput: batches of up to 10,000 records, 5 ms linger. */
const produceSettings = {
  'linger.ms': '5',
  'batch.num.messages': '10000',
  'queue.buffering.max.messages': String(kcatQueueRecordsMax),
};
/** For latency: send what is queued after 1 ms, as the other targets do each tick. */
const latencyProduceSettings = { ...produceSettings, 'linger.ms': '1' };
const consumeSettings = {
  'fetch.wait.max.ms': '10',
  'max.partition.fetch.bytes': String(kcatFetchBytesMax),
};
const execFileAsync = promisify(execFile);
const groupSettings = { ...consumeSettings, 'auto.offset.reset': 'earliest' };

export function cairnKcatMissing(): string | null {
  return commandMissing('kcat', 'scripts/install-interop-tools.sh');
}

export async function startCairnKcat(context: TargetContext): Promise<Target> {
  const broker = await startCairnBroker(context, 'cairn-kcat');
  return new CairnKcat(broker, context.workDir);
}

class CairnKcat implements Target {
  readonly name = 'cairn-kcat';
  readonly versions: Record<string, string>;
  readonly serverPid: number;
  /** Record files by record size, with how many lines each holds. */
  private readonly recordFiles = new Map<number, { path: string; lines: number }>();
  private groupCount = 0;

  constructor(
    private readonly broker: CairnBroker,
    private readonly workDir: string,
  ) {
    this.serverPid = broker.pid;
    this.versions = { server: broker.version, client: kcatVersion() };
  }

  unsupported(): string | null {
    return null;
  }

  /** acks is per request in Kafka: nothing to set on the broker. */
  async setDurability(): Promise<void> {}

  createTopic(topic: Topic): Promise<void> {
    return createTopic(this.broker.bootstrap, topic);
  }

  deleteTopic(topic: Topic): Promise<void> {
    return deleteTopic(this.broker.bootstrap, topic.name);
  }

  async produce(load: ProduceLoad): Promise<Timed> {
    const path = await this.recordFile(
      load.recordBytes,
      Math.ceil(load.recordCount / load.producers),
    );
    const endBefore = await this.endOffset(load.topic);
    const start = performance.now();
    const shares = splitEvenly(load.recordCount, load.producers);
    const exits = await Promise.all(
      shares.map((share) => this.produceFrom(path, load.topic, share, load.acks, load.compression)),
    );
    const seconds = (Math.max(...exits.map((exit) => exit.exitedMs)) - start) / 1000;
    const arrived = (await this.endOffset(load.topic)) - endBefore;
    if (arrived !== load.recordCount) {
      throw new Error(`${load.topic.name}: ${arrived} records arrived of ${load.recordCount}`);
    }
    return { records: load.recordCount, seconds };
  }

  /** The sum of the partitions' log end offsets (ListOffsets for the latest, `kcat -Q`). */
  async endOffset(topic: Topic): Promise<number> {
    const partitions = Array.from({ length: topic.partitions }, (_, partition) => [
      '-t',
      `${topic.name}:${partition}:-1`,
    ]);
    const { stdout } = await execFileAsync('kcat', [
      '-Q',
      '-b',
      this.broker.bootstrap,
      ...partitions.flat(),
    ]);
    return [...stdout.matchAll(/ offset (-?\d+)/g)].reduce(
      (sum, match) => sum + Math.max(0, Number(match[1])),
      0,
    );
  }

  async fill(topic: Topic, recordBytes: number, recordCount: number): Promise<void> {
    const path = await this.recordFile(recordBytes, recordCount);
    await this.produceFrom(path, topic, recordCount, '1', 'none');
  }

  async consume(load: ConsumeLoad): Promise<Timed> {
    if (load.consumers === 1) {
      const args = ['-C', '-t', load.topic.name, '-o', 'beginning'];
      return this.timedConsumers([args], load.recordCount, load.recordCount);
    }
    const group = this.newGroupId(load.topic);
    const members = Array.from({ length: load.consumers }, () => ['-G', group, load.topic.name]);
    return this.timedConsumers(members, load.recordCount, load.recordCount);
  }

  fanOut(load: FanOutLoad): Promise<Timed> {
    const groups = Array.from({ length: load.groups }, () => [
      '-G',
      this.newGroupId(load.topic),
      load.topic.name,
    ]);
    return this.timedConsumers(groups, load.recordCount, load.recordCount * load.groups);
  }

  replay(load: ReplayLoad): Promise<Timed> {
    const args = ['-C', '-t', load.topic.name, '-p', '0', '-o', String(load.fromIndex)];
    return this.timedConsumers([args], load.recordCount, load.recordCount - load.fromIndex);
  }

  latency(load: LatencyLoad): Promise<number> {
    return runLatency(load, async (sink) => {
      const base = ['-b', this.broker.bootstrap, '-t', load.topic.name, '-p', '0'];
      const consumer = spawnKcat(
        [...base, '-C', '-o', 'beginning', '-u', '-f', '%s\n', ...settingArgs(consumeSettings)],
        { stdin: 'ignore', onLine: sink },
      );
      const settings = { ...latencyProduceSettings, acks: load.acks };
      const producer = spawnKcat([...base, '-P', ...settingArgs(settings)], { stdin: 'pipe' });
      const newline = Buffer.from('\n');
      return {
        send(values) {
          const lines = Buffer.concat(values.flatMap((value) => [value, newline]));
          // kcat 1.7 reads stdin in blocking reads of kcatStdinReadBytes: pad each batch with
          // empty lines (kcat skips them) to a whole number of reads, or its tail would wait.
          const padding =
            (kcatStdinReadBytes - (lines.length % kcatStdinReadBytes)) % kcatStdinReadBytes;
          producer.child.stdin!.write(Buffer.concat([lines, Buffer.alloc(padding, 0x0a)]));
        },
        async close() {
          producer.child.stdin!.end();
          await producer.exited;
          consumer.child.kill('SIGTERM');
          await consumer.exited;
        },
      };
    });
  }

  async stop(): Promise<void> {
    await this.broker.stop();
  }

  private newGroupId(topic: Topic): string {
    return `${topic.name}-group-${++this.groupCount}`;
  }

  /** A file of at least `lines` records of `recordBytes`, written once and reused. */
  private async recordFile(recordBytes: number, lines: number): Promise<string> {
    const known = this.recordFiles.get(recordBytes);
    if (known !== undefined && known.lines >= lines) return known.path;
    const path = join(this.workDir, `records-${recordBytes}.txt`);
    const size = Math.max(lines, 2 * (known?.lines ?? 0));
    await writeRecordLines(path, size, recordBytes);
    this.recordFiles.set(recordBytes, { path, lines: size });
    return path;
  }

  private async produceFrom(
    path: string,
    topic: Topic,
    recordCount: number,
    acks: Acks,
    compression: Compression,
  ): Promise<KcatExit> {
    const file = await open(path, 'r');
    try {
      const args = ['-P', '-b', this.broker.bootstrap, '-t', topic.name, '-c', String(recordCount)];
      if (topic.partitions === 1) args.push('-p', '0');
      if (compression !== 'none') args.push('-z', compression);
      args.push(...settingArgs({ ...produceSettings, acks }));
      return await spawnKcat(args, { stdin: file.fd }).exited;
    } finally {
      await file.close();
    }
  }

  /**
   * Runs consumers to the end of the topic (`topicEnd` records in all partitions); times from
   * the first record any of them printed to the last exit, and checks that the end offsets
   * they reached add up to `topicEnd`.
   */
  private async timedConsumers(
    argLists: readonly string[][],
    topicEnd: number,
    records: number,
  ): Promise<Timed> {
    const exits = await Promise.all(
      argLists.map((args) => {
        const fullArgs = ['-b', this.broker.bootstrap, ...args, '-e', '-f', '%o\n'];
        const settings = args[0] === '-G' ? groupSettings : consumeSettings;
        return spawnKcat([...fullArgs, ...settingArgs(settings)], { stdin: 'ignore' }).exited;
      }),
    );
    const firsts = exits.map((exit) => exit.firstOutputMs).filter((ms) => !Number.isNaN(ms));
    const last = Math.max(...exits.map((exit) => exit.exitedMs));
    const reached = endOffsetsReached(exits.map((exit) => exit.stderr));
    const end = [...reached.values()].reduce((sum, offset) => sum + offset, 0);
    if (end !== topicEnd || firsts.length === 0) {
      throw new Error(`kcat consumers reached offsets summing to ${end}, expected ${topicEnd}`);
    }
    return { records, seconds: (last - Math.min(...firsts)) / 1000 };
  }
}
