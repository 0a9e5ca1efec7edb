// Proves the harness runs end to end against a real Cairn broker (in-process, real TCP, real
// files) with Cairn's own client: a tiny produce case and a tiny fixed-rate latency case go
// through the workload runner (warm-up, repetitions, CPU accounting), every record is
// accounted for, and the report renders from the result. When kcat is installed the produce
// case also runs through the kcat target, whose end-offset check proves the records arrived.
// Needs neither Redis nor NATS.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningBroker, startBroker } from '@cairn/broker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCairnClient } from '../harness/cairn-client.js';
import { startCairnKcat } from '../harness/cairn-kcat.js';
import { renderReport } from '../harness/report.js';
import type { Target } from '../harness/target.js';
import { runCase } from '../harness/workload-runner.js';
import { baselineProduce, type Scale, type WorkloadCase } from '../harness/workloads.js';

const tinyScale: Scale = {
  repetitions: 2,
  warmups: 1,
  produceSeconds: 0.2,
  produceWarmupBytes: 200_000,
  consumeRecords: 2_000,
  fanOutRecords: 1_000,
  latencySeconds: 0.5,
  replayHistoryBytes: 1024 * 1024,
};
const produce: WorkloadCase = { ...baselineProduce, id: 'produce smoke' };
const latency: WorkloadCase = {
  kind: 'latency',
  id: 'latency smoke',
  recordBytes: 100,
  acks: '1',
  ratePerSecond: 2_000,
  durationSeconds: 0.5,
};

const hasKcat = (() => {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let workDir: string;
let broker: RunningBroker;
const targets: Target[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'cairn-harness-smoke-'));
  broker = await startBroker({ dataDir: join(workDir, 'data'), kafkaPort: 0 });
});

afterAll(async () => {
  for (const target of targets) await target.stop();
  await broker?.close();
  await rm(workDir, { recursive: true, force: true });
});

describe('the harness against Cairn', () => {
  it('runs produce and latency cases with the Cairn client', async () => {
    const target = await startCairnClient({
      workDir,
      brokerNodeArgs: [],
      cairnBootstrap: broker.bootstrap,
    });
    targets.push(target);
    const steps: string[] = [];
    const hooks = { step: (label: string) => steps.push(label) };
    const produced = await runCase(target, produce, tinyScale, hooks);
    expect(produced.reason).toBeUndefined();
    expect(produced.status).toBe('ok');
    expect(produced.repetitions).toHaveLength(2);
    for (const repetition of produced.repetitions) {
      expect(repetition.records).toBeGreaterThanOrEqual(1000);
      expect(repetition.recordsPerSecond).toBeGreaterThan(0);
      expect(repetition.megabytesPerSecond).toBeCloseTo((repetition.recordsPerSecond * 100) / 1e6);
    }
    expect(steps).toEqual(['warm-up 1', 'repetition 1', 'repetition 2']);

    const timed = await runCase(target, latency, tinyScale, hooks);
    expect(timed.reason).toBeUndefined();
    const measured = timed.repetitions[0]!.latency!;
    expect(measured.received).toBe(1000);
    expect(measured.corrected.count).toBe(1000);
    expect(measured.corrected.p50).toBeGreaterThan(0);
    expect(measured.corrected.p99).toBeGreaterThanOrEqual(measured.corrected.p50);
    expect(measured.corrected.max).toBeLessThan(10_000_000);

    const { markdown } = renderReport({
      startedAt: '',
      finishedAt: '',
      command: 'smoke',
      machine: { cpuModel: '', cpuCount: 2, totalMemoryBytes: 0, os: '', node: '' },
      versions: { 'cairn-client': target.versions },
      settings: {},
      limits: {
        diskWriteBytesPerSecond: 1e9,
        diskWriteFsyncBytesPerSecond: 1e8,
        fsyncMicros: { median: 1, p99: 1, count: 1 },
        loopbackTcpBytesPerSecond: 1e9,
      },
      skippedTargets: [],
      cases: [
        { case: produce, runs: { 'cairn-client': produced } },
        { case: latency, runs: { 'cairn-client': timed } },
      ],
    });
    expect(markdown).toMatch(/\| produce smoke \| cairn-client \| [\d.]+[kM]? \(/);
    expect(markdown).toMatch(/\| latency smoke \| cairn-client \| [\d.]+ (µs|ms) \|/);
  });

  it.skipIf(!hasKcat)('runs a produce case with kcat (skipped without kcat)', async () => {
    const target = await startCairnKcat({
      workDir,
      brokerNodeArgs: [],
      cairnBootstrap: broker.bootstrap,
    });
    targets.push(target);
    const produced = await runCase(target, produce, tinyScale, { step: () => {} });
    expect(produced.reason).toBeUndefined();
    expect(produced.repetitions).toHaveLength(2);
  });
});
