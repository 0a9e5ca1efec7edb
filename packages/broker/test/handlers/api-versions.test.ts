// Proves version negotiation over a real socket to a real broker: ApiVersions (every version,
// flexible v3 included) advertises exactly the issue's 23 APIs with the ranges their codecs
// implement, a newer ApiVersions than the broker knows gets UNSUPPORTED_VERSION in a v0 body
// (KIP-511) on a connection that stays open, and any other API or version closes only its own
// connection, at once, as Kafka does (InvalidRequestException), never a hang or a crash.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  alterConfigsApi,
  apiVersionsApi,
  createPartitionsApi,
  createTopicsApi,
  deleteGroupsApi,
  deleteRecordsApi,
  deleteTopicsApi,
  describeConfigsApi,
  describeGroupsApi,
  ErrorCode,
  fetchApi,
  findCoordinatorApi,
  heartbeatApi,
  incrementalAlterConfigsApi,
  initProducerIdApi,
  joinGroupApi,
  leaveGroupApi,
  listGroupsApi,
  listOffsetsApi,
  metadataApi,
  offsetCommitApi,
  offsetFetchApi,
  produceApi,
  Reader,
  syncGroupApi,
} from '@cairn/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { WireClient } from '../wire-client.js';

/** The APIs issue 3 lists, in its order. */
const issueApis = [
  apiVersionsApi,
  metadataApi,
  produceApi,
  fetchApi,
  listOffsetsApi,
  findCoordinatorApi,
  joinGroupApi,
  syncGroupApi,
  heartbeatApi,
  leaveGroupApi,
  offsetCommitApi,
  offsetFetchApi,
  listGroupsApi,
  describeGroupsApi,
  deleteGroupsApi,
  createTopicsApi,
  deleteTopicsApi,
  createPartitionsApi,
  describeConfigsApi,
  incrementalAlterConfigsApi,
  alterConfigsApi,
  deleteRecordsApi,
  initProducerIdApi,
];

const request = { clientSoftwareName: 'cairn-test', clientSoftwareVersion: '1.0' };

let dataDir: string;
let broker: RunningBroker;
const clients: WireClient[] = [];

async function client(): Promise<WireClient> {
  const connected = await WireClient.connect(broker.port);
  clients.push(connected);
  return connected;
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-api-versions-'));
  broker = await startBroker({ dataDir, kafkaPort: 0 });
});

afterAll(async () => {
  for (const connected of clients) connected.close();
  await broker?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Resolves true when the connection closes within `ms`, false when it stays open. */
async function closesWithin(connected: WireClient, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const closed = await Promise.race([connected.closed.then(() => true as const), timeout]);
  clearTimeout(timer);
  return closed;
}

describe('ApiVersions', () => {
  it('advertises exactly the implemented APIs and ranges, at every version', async () => {
    const expected = issueApis
      .map((api) => ({
        apiKey: api.apiKey,
        minVersion: api.minVersion,
        maxVersion: api.maxVersion,
      }))
      .sort((a, b) => a.apiKey - b.apiKey);
    const connected = await client();
    for (let version = apiVersionsApi.minVersion; version <= apiVersionsApi.maxVersion; version++) {
      const response = await connected.request(apiVersionsApi, version, request);
      expect(response.errorCode, `v${version}`).toBe(ErrorCode.NONE);
      expect(response.apiKeys, `v${version}`).toEqual(expected);
    }
  });

  it('answers a newer ApiVersions with UNSUPPORTED_VERSION in a v0 body, and stays open', async () => {
    const connected = await client();
    // A v4 request's body (the v3 fields, flexible) from a client newer than the broker.
    const body = await connected.raw(apiVersionsApi.apiKey, 4, Buffer.from([0, 0, 0, 0]));
    const reader = new Reader(body);
    const response = apiVersionsApi.decodeResponse(reader, 0);
    expect(reader.remaining).toBe(0);
    expect(response).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: [{ apiKey: apiVersionsApi.apiKey, minVersion: 0, maxVersion: 3 }],
      throttleTimeMs: 0,
    });
    // The client retries with the highest version it was told of, on the same connection.
    const retried = await connected.request(apiVersionsApi, 3, request);
    expect(retried.errorCode).toBe(ErrorCode.NONE);
  });
});

describe('APIs and versions the broker does not implement', () => {
  // Kafka API keys Cairn does not serve: SaslHandshake, AddPartitionsToTxn, EndTxn,
  // DescribeAcls, DescribeCluster, and a key no Kafka has.
  const unknownKeys = [17, 24, 26, 29, 60, 999];
  // Versions outside the ranges: older than the record batch v2 APIs, or newer than coded.
  const unsupported = [
    [produceApi.apiKey, 2],
    [produceApi.apiKey, produceApi.maxVersion + 1],
    [fetchApi.apiKey, 3],
    [metadataApi.apiKey, metadataApi.maxVersion + 1],
    [listOffsetsApi.apiKey, 0],
    [joinGroupApi.apiKey, -1],
  ] as const;

  it.each(unknownKeys)('closes the connection for API key %i at once', async (apiKey) => {
    const connected = await client();
    const answer = connected.raw(apiKey, 0).then(
      () => 'answered',
      () => 'closed',
    );
    expect(await closesWithin(connected, 2_000)).toBe(true);
    expect(await answer).toBe('closed');
  });

  it.each(unsupported)('closes the connection for API %i v%i at once', async (apiKey, version) => {
    const connected = await client();
    const answer = connected.raw(apiKey, version, Buffer.alloc(64)).catch(() => 'closed');
    expect(await closesWithin(connected, 2_000)).toBe(true);
    expect(await answer).toBe('closed');
  });

  it('keeps serving other connections, those pipelining requests included', async () => {
    const healthy = await client();
    const pipelined = Array.from({ length: 20 }, () => healthy.request(apiVersionsApi, 3, request));
    const bad = await client();
    void bad.raw(999, 0).catch(() => undefined);
    await bad.closed;
    const answers = await Promise.all(pipelined);
    expect(answers.every((answer) => answer.errorCode === ErrorCode.NONE)).toBe(true);
    const metadata = await healthy.request(metadataApi, 6, {
      topics: null,
      allowAutoTopicCreation: false,
    });
    expect(metadata.brokers).toEqual([
      { nodeId: 0, host: '127.0.0.1', port: broker.port, rack: null },
    ]);
    expect(healthy.isClosed).toBe(false);
  });
});
