// Shared by the admin handler tests: a real TopicRegistry over a real LogManager in a temp dir,
// which a test can reopen to see what was persisted, and helpers to append records and to pass
// a response through its codec.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultLogConfig, LogManager, type PartitionLog, silentLogLogger } from '@cairn/log';
import { type Api, encodeRecordBatch, Reader, Writer } from '@cairn/protocol';
import type { RequestContext } from '../../src/dispatcher.js';
import type { AdminDeps } from '../../src/handlers/admin-handlers.js';
import { resolveLogConfig, type TopicConfigOverrides } from '../../src/topics/topic-config.js';
import { TopicRegistry } from '../../src/topics/topic-registry.js';

export const nodeId = 1;
export const defaultPartitionCount = 3;
export const context = {} as RequestContext; // the admin handlers do not read it

export class AdminFixture {
  private constructor(
    readonly dataDir: string,
    private readonly topicDefaults: TopicConfigOverrides,
    private logManager: LogManager,
    public registry: TopicRegistry,
  ) {}

  /** A fresh data dir; `topicDefaults` are the broker's topic config flags. */
  static async open(topicDefaults: TopicConfigOverrides = {}): Promise<AdminFixture> {
    const dataDir = await mkdtemp(join(tmpdir(), 'cairn-admin-'));
    const [logManager, registry] = await openRegistry(dataDir, topicDefaults);
    return new AdminFixture(dataDir, topicDefaults, logManager, registry);
  }

  get deps(): AdminDeps {
    return { registry: this.registry, nodeId, defaultPartitionCount };
  }

  /** Closes every log and opens the data dir again, as a broker restart does. */
  async reopen(): Promise<TopicRegistry> {
    await this.logManager.close();
    [this.logManager, this.registry] = await openRegistry(this.dataDir, this.topicDefaults);
    return this.registry;
  }

  async close(): Promise<void> {
    await this.logManager.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function openRegistry(
  dataDir: string,
  topicDefaults: TopicConfigOverrides,
): Promise<[LogManager, TopicRegistry]> {
  const logManager = await LogManager.open(dataDir, { logger: silentLogLogger });
  const defaults = resolveLogConfig(defaultLogConfig, topicDefaults);
  return [logManager, await TopicRegistry.open(dataDir, logManager, defaults)];
}

/** Appends `batchCount` batches of `recordsPerBatch` records each. */
export async function appendRecords(
  log: PartitionLog,
  batchCount: number,
  recordsPerBatch = 1,
): Promise<void> {
  for (let batch = 0; batch < batchCount; batch++) {
    const records = Array.from({ length: recordsPerBatch }, (_, index) => ({
      key: null,
      value: Buffer.from(`value-${batch}-${index}`),
      timestamp: 1_700_000_000_000,
    }));
    await log.append(encodeRecordBatch({ records }));
  }
}

/** `response` encoded at `version` and decoded again: what a client of that version reads. */
export function throughCodec<Request, Response>(
  api: Api<Request, Response>,
  version: number,
  response: Response,
): Response {
  const writer = new Writer();
  api.encodeResponse(writer, version, response);
  return api.decodeResponse(new Reader(writer.finish()), version);
}
