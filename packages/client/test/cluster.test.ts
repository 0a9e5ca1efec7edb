// Proves the cluster layer against the real broker over TCP: bootstrap past a dead address,
// metadata lookups and their refresh when a topic gains partitions, coordinator lookup, one
// shared connection per broker, reconnecting after a dropped connection, and close().
import * as net from 'node:net';
import {
  createPartitionsApi,
  createTopicsApi,
  ErrorCode,
  listGroupsApi,
  metadataApi,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, parseAddress } from '../src/cluster.js';
import { ClosedError } from '../src/errors.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';

let test: TestBroker;
const clusters: Cluster[] = [];

beforeAll(async () => {
  test = await startTestBroker();
});

afterAll(async () => {
  await Promise.all(clusters.map((cluster) => cluster.close()));
  await test?.stop();
});

function newCluster(bootstrap = [test.broker.bootstrap]): Cluster {
  const cluster = new Cluster({
    bootstrap,
    clientId: 'cluster-test',
    retry: { retries: 3, initialBackoffMs: 10, maxBackoffMs: 50 },
  });
  clusters.push(cluster);
  return cluster;
}

async function createTopic(cluster: Cluster, name: string, numPartitions: number) {
  const response = await cluster.request('any', createTopicsApi, {
    topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 5_000,
    validateOnly: false,
  });
  expect(response.topics[0]?.errorCode).toBe(ErrorCode.NONE);
}

describe('Cluster', () => {
  it('bootstraps past an address that refuses connections', async () => {
    const dead = net.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadPort = (dead.address() as net.AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const cluster = newCluster([`127.0.0.1:${deadPort}`, test.broker.bootstrap]);
    await cluster.connect();
    const metadata = cluster.metadata();
    expect(metadata.controllerId).toBe(0);
    expect(metadata.clusterId).toEqual(expect.any(String));
    expect(metadata.brokers.get(0)).toMatchObject({ host: '127.0.0.1', port: test.broker.port });
  });

  it('finds leaders and partition counts, refreshing when a topic gains partitions', async () => {
    const cluster = newCluster();
    await cluster.connect();
    await createTopic(cluster, 'growing', 2);
    expect(await cluster.partitionsFor('growing')).toBe(2);
    expect(await cluster.leaderFor('growing', 1)).toBe(0);

    const grown = await cluster.request(0, createPartitionsApi, {
      topics: [{ name: 'growing', count: 4, assignments: null }],
      timeoutMs: 5_000,
      validateOnly: false,
    });
    expect(grown.results[0]?.errorCode).toBe(ErrorCode.NONE);
    // The cache still says 2; asking for partition 3 refreshes it.
    expect(cluster.metadata().topics.get('growing')?.partitions).toHaveLength(2);
    expect(cluster.leaderOf('growing', 3)).toBe(-1);
    expect(await cluster.leaderFor('growing', 3)).toBe(0);
    expect(await cluster.partitionsFor('growing')).toBe(4);
    expect(
      cluster
        .metadata()
        .topics.get('growing')
        ?.partitions.map((p) => p.partition),
    ).toEqual([0, 1, 2, 3]);
  });

  it('fails with UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist', async () => {
    const cluster = newCluster();
    await createTopic(cluster, 'small', 1);
    const error = await cluster.leaderFor('small', 7).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      errorName: 'UNKNOWN_TOPIC_OR_PARTITION',
      topic: 'small',
      partition: 7,
      retriable: true,
    });
  });

  it('shares one connection per broker and coalesces concurrent refreshes', async () => {
    const cluster = newCluster();
    await cluster.connect();
    const [a, b] = await Promise.all([cluster.connectionTo(0), cluster.connectionTo('any')]);
    expect(a).toBe(b);
    const refreshes = [cluster.refreshMetadata(['x1']), cluster.refreshMetadata(['x1'])];
    expect(refreshes[0]).toBe(refreshes[1]);
    await Promise.all(refreshes);
    expect(cluster.metadata().topics.has('x1')).toBe(true);
  });

  it('finds and caches the group coordinator', async () => {
    const cluster = newCluster();
    expect(await cluster.coordinatorFor('group-a')).toBe(0);
    expect(await cluster.coordinatorFor('group-a')).toBe(0);
    cluster.invalidateCoordinator('group-a');
    expect(await cluster.coordinatorFor('group-a')).toBe(0);
  });

  it('reconnects after a connection is lost', async () => {
    const cluster = newCluster();
    await cluster.connect();
    const first = await cluster.connectionTo(0);
    first.destroy();
    expect(first.isOpen).toBe(false);
    const response = await cluster.request(0, listGroupsApi, { statesFilter: [] });
    expect(response.errorCode).toBe(ErrorCode.NONE);
    const second = await cluster.connectionTo(0);
    expect(second).not.toBe(first);
    expect(second.isOpen).toBe(true);
  });

  it('refuses requests after close()', async () => {
    const cluster = newCluster();
    await cluster.connect();
    await cluster.close();
    await expect(
      cluster.request('any', metadataApi, { topics: [], allowAutoTopicCreation: false }),
    ).rejects.toBeInstanceOf(ClosedError);
  });

  it('parses broker addresses', () => {
    expect(parseAddress('localhost:9092')).toEqual({ host: 'localhost', port: 9092 });
    expect(parseAddress('[::1]:19092')).toEqual({ host: '::1', port: 19092 });
    expect(() => parseAddress('localhost')).toThrow(/host:port/);
  });
});
