// Proves the `npm start` process (dist/cli.js, which npm test builds first) as a real child
// process: its flags take effect (advertised host, partitions of auto-created topics, topic
// defaults, auto-create off), its logs are JSON lines (pino), and SIGTERM and SIGINT shut it
// down gracefully: a long poll and pipelined produce requests in flight are answered, every
// acknowledged record is on disk and fsync'd (the recovery point checkpoint reaches the log
// end), the port stops accepting, and the process exits 0; a restart serves the same data.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  describeConfigsApi,
  ErrorCode,
  encodeRecordBatch,
  fetchApi,
  listOffsetsApi,
  metadataApi,
  type ProduceResponse,
  produceApi,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRequest } from './fetch-request.js';
import { WireClient } from './wire-client.js';

const cliPath = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const startTimeoutMs = 15_000;
const exitTimeoutMs = 15_000;
const topicResourceType = 2;
const pipelinedRequests = 30;
const recordsPerRequest = 10;

let dataDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(cliPath)) {
    throw new Error(`${cliPath} is missing: build first (npm test does; or tsc -b)`);
  }
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-cli-'));
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

interface RunningCli {
  child: ChildProcess;
  port: number;
  /** Every stdout line so far, parsed: the test fails on a line that is not JSON. */
  logs: Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI with `flags` and resolves once it logs 'broker started'. */
async function startCli(flags: string[]): Promise<RunningCli> {
  const args = [cliPath, '--data-dir', dataDir, '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0'];
  const child = spawn(process.execPath, [...args, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no start in time: ${stderr}`)),
      startTimeoutMs,
    );
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'broker started') {
          clearTimeout(timer);
          resolve(Number(String(entry.kafka).split(':').pop()));
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`exited ${code} before starting: ${stderr}`)));
  });
  return { child, port, logs, exited };
}

async function waitExit(cli: RunningCli) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the broker did not exit')), exitTimeoutMs);
  });
  const result = await Promise.race([cli.exited, timeout]);
  clearTimeout(timer);
  return result;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

async function metadata(wire: WireClient, topic: string) {
  return wire.request(metadataApi, 6, { topics: [{ name: topic }], allowAutoTopicCreation: true });
}

async function latestOffset(wire: WireClient, topic: string, partitionIndex: number) {
  const response = await wire.request(listOffsetsApi, listOffsetsApi.maxVersion, {
    replicaId: -1,
    isolationLevel: 0,
    topics: [{ name: topic, partitions: [{ partitionIndex, timestamp: -1 }] }],
  });
  return response.topics[0]!.partitions[0]!;
}

function longPoll(wire: WireClient, topic: string) {
  const request = fetchRequest(topic, [{ partition: 0 }], { maxWaitMs: 30_000, minBytes: 1 });
  return wire.request(fetchApi, fetchApi.maxVersion, request);
}

function produce(wire: WireClient, topic: string, partition: number): Promise<ProduceResponse> {
  const records = Array.from({ length: recordsPerRequest }, (_, index) => ({
    value: Buffer.alloc(1_000, index),
  }));
  return wire.request(produceApi, produceApi.maxVersion, {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5_000,
    topicData: [
      {
        name: topic,
        partitionData: [{ index: partition, records: encodeRecordBatch({ records }) }],
      },
    ],
  });
}

async function recoveryPoint(topic: string, partition: number): Promise<number> {
  const path = join(dataDir, `${topic}-${partition}`, 'recovery-point-offset-checkpoint');
  const [version, count, offset] = (await readFile(path, 'utf8')).split('\n');
  expect([version, count]).toEqual(['0', '1']);
  return Number(offset);
}

describe('the broker CLI', () => {
  /** Records acknowledged before the first shutdown, all in events-1. */
  let acked = 0;

  it('runs with its flags, and on SIGTERM answers what is in flight, flushes and exits 0', async () => {
    const cli = await startCli([
      '--advertised-host',
      'cairn.test',
      '--num-partitions',
      '3',
      '--retention-ms',
      '3600000',
      '--segment-bytes',
      '1048576',
    ]);
    const wire = await WireClient.connect(cli.port);
    const poller = await WireClient.connect(cli.port);
    try {
      const created = await metadata(wire, 'events');
      expect(created.brokers).toEqual([
        { nodeId: 0, host: 'cairn.test', port: cli.port, rack: null },
      ]);
      expect(created.topics[0]).toMatchObject({ errorCode: ErrorCode.NONE, name: 'events' });
      expect(created.topics[0]?.partitions).toHaveLength(3);
      const described = await wire.request(describeConfigsApi, 2, {
        resources: [
          { resourceType: topicResourceType, resourceName: 'events', configurationKeys: null },
        ],
        includeSynonyms: false,
      });
      const configs = new Map(
        described.results[0]!.configs.map((config) => [config.name, config.value]),
      );
      expect(configs.get('retention.ms')).toBe('3600000');
      expect(configs.get('segment.bytes')).toBe('1048576');

      const polled = longPoll(poller, 'events');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const produced = Array.from({ length: pipelinedRequests }, () =>
        produce(wire, 'events', 1).then(
          (response) => response.responses[0]!.partitionResponses[0]!,
          () => null, // not yet read when the broker stopped reading: never answered
        ),
      );
      await produced[0];
      cli.child.kill('SIGTERM');
      const signalledAt = Date.now();

      const poll = await polled;
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
      expect(poll.responses[0]?.partitions[0]?.errorCode).toBe(ErrorCode.NONE);
      const answers = (await Promise.all(produced)).filter((answer) => answer !== null);
      expect(answers.length).toBeGreaterThan(0);
      // Answered in order, every one a success: none cut off half way.
      expect(answers.map((answer) => [answer.errorCode, answer.baseOffset])).toEqual(
        answers.map((_, index) => [ErrorCode.NONE, index * recordsPerRequest]),
      );
      acked = answers.length * recordsPerRequest;

      expect(await waitExit(cli)).toEqual({ code: 0, signal: null });
      expect(cli.logs.some((log) => log.msg === 'shutting down' && log.signal === 'SIGTERM')).toBe(
        true,
      );
      expect(await refusesConnections(cli.port)).toBe(true);
      expect(await recoveryPoint('events', 1)).toBeGreaterThanOrEqual(acked);
    } finally {
      wire.close();
      poller.close();
    }
  });

  it('serves the same data after a restart, honours --auto-create-topics, stops on SIGINT', async () => {
    expect(acked).toBeGreaterThan(0);
    const flushed = await recoveryPoint('events', 1);
    const cli = await startCli(['--auto-create-topics', 'false']);
    const wire = await WireClient.connect(cli.port);
    try {
      expect(await latestOffset(wire, 'events', 1)).toMatchObject({
        errorCode: 0,
        offset: flushed,
      });
      const unknown = await metadata(wire, 'not-created');
      expect(unknown.topics[0]?.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      cli.child.kill('SIGINT');
      expect(await waitExit(cli)).toEqual({ code: 0, signal: null });
      expect(cli.logs.some((log) => log.msg === 'shutting down' && log.signal === 'SIGINT')).toBe(
        true,
      );
    } finally {
      wire.close();
    }
  });
});
