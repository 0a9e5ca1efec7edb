/** Starts the real Cairn broker in-process on an ephemeral port with a temporary data dir. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerOptions, type RunningBroker, startBroker } from '@cairn/broker';
import { createTopicsApi } from '@cairn/protocol';
import type { Cluster } from '../../src/cluster.js';

export interface TestBroker {
  broker: RunningBroker;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startTestBroker(
  options: Omit<BrokerOptions, 'dataDir'> = {},
): Promise<TestBroker> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-client-'));
  const broker = await startBroker({
    dataDir,
    kafkaPort: 0,
    groupInitialRebalanceDelayMs: 10,
    ...options,
  });
  return {
    broker,
    dataDir,
    async stop() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates a topic through CreateTopics and fails the test unless the broker took it. */
export async function createTopic(
  cluster: Cluster,
  name: string,
  numPartitions: number,
  configs: { name: string; value: string }[] = [],
): Promise<void> {
  const response = await cluster.request('any', createTopicsApi, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs }],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  const errorCode = response.topics[0]?.errorCode;
  if (errorCode !== 0) throw new Error(`CreateTopics ${name}: error ${errorCode}`);
}
