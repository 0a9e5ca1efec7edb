// Proves the report is built from the results alone and says what they say: medians and
// spreads, fractions of the machine's limits, Cairn-to-peer ratios, the goals of issue 6 §4
// judged PASS / FALL SHORT / NOT MEASURED, skipped targets named with their reason, and SVG
// charts that are well-formed XML (text escaped) and linked from report.md; writeReport puts
// results.json, report.md and the charts on disk.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateGoals } from '../harness/goals.js';
import type { MachineLimits } from '../harness/machine-limits.js';
import { type BenchResults, renderReport, terminalTable, writeReport } from '../harness/report.js';
import { summariseCase } from '../harness/summary.js';
import { escapeXml } from '../harness/svg-charts.js';
import type { Repetition } from '../harness/workload-runner.js';
import { baselineProduce, type WorkloadCase } from '../harness/workloads.js';

const limits: MachineLimits = {
  diskWriteBytesPerSecond: 1000e6,
  diskWriteFsyncBytesPerSecond: 200e6,
  fsyncMicros: { median: 500, p99: 2000, count: 50 },
  loopbackTcpBytesPerSecond: 2000e6,
};

/** Repetitions moving records at these rates (records of 100 B, 1 s each). */
function repetitions(...rates: number[]): Repetition[] {
  return rates.map((rate) => ({
    records: rate,
    seconds: 1,
    recordsPerSecond: rate,
    megabytesPerSecond: (rate * 100) / 1e6,
    serverCpuSeconds: 0.5,
    machineBusyCpuSeconds: 1.5,
  }));
}

function latencyRepetition(p99: number): Repetition {
  const summary = { count: 1000, p50: p99 / 4, p99, p999: p99 * 2, max: p99 * 3, mean: p99 / 3 };
  return {
    ...repetitions(1000)[0]!,
    latency: {
      sent: 1000,
      received: 1000,
      corrected: summary,
      uncorrected: { ...summary, p99: p99 / 2 },
      curve: [
        { percentile: 0, micros: 100 },
        { percentile: 50, micros: p99 / 4 },
        { percentile: 99, micros: p99 },
        { percentile: 99.9, micros: p99 * 2 },
        { percentile: 100, micros: p99 * 3 },
      ],
      histogram: 'HISTFAAAA',
    },
  };
}

const produceBaseline: WorkloadCase = { ...baselineProduce, id: 'produce 100B acks=1 <baseline>' };
const produceAcksAll: WorkloadCase = { ...baselineProduce, acks: 'all', id: 'produce acks=all' };
const consumeOne: WorkloadCase = {
  kind: 'consume',
  id: 'consume 1 consumer',
  recordBytes: 100,
  partitions: 8,
  consumers: 1,
  recordCount: 1000,
};
const latency10k: WorkloadCase = {
  kind: 'latency',
  id: 'latency 10k/s',
  recordBytes: 100,
  acks: '1',
  ratePerSecond: 10_000,
  durationSeconds: 1,
};

const results: BenchResults = {
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:05:00.000Z',
  command: 'npm run bench -- --quick',
  machine: {
    cpuModel: 'test CPU',
    cpuCount: 2,
    totalMemoryBytes: 8 * 1024 ** 3,
    os: 'Linux',
    node: 'v20',
  },
  versions: { 'cairn-kcat': { server: 'cairn 0.1.0' }, 'redis-streams': { server: 'redis 7' } },
  settings: { quick: true },
  limits,
  skippedTargets: [{ name: 'nats-jetstream', reason: 'nats-server is not installed' }],
  cases: [
    {
      case: produceBaseline,
      runs: {
        'cairn-kcat': { status: 'ok', repetitions: repetitions(900_000, 1_000_000, 1_100_000) },
        'redis-streams': { status: 'ok', repetitions: repetitions(190_000, 200_000, 210_000) },
      },
    },
    {
      case: produceAcksAll,
      runs: {
        'cairn-kcat': { status: 'ok', repetitions: repetitions(300_000) },
        'redis-streams': { status: 'ok', repetitions: repetitions(200_000) },
      },
    },
    {
      case: consumeOne,
      runs: {
        'cairn-kcat': { status: 'failed', reason: 'kcat exited with 1', repetitions: [] },
        'redis-streams': { status: 'ok', repetitions: repetitions(500_000) },
      },
    },
    {
      case: latency10k,
      runs: {
        'cairn-kcat': {
          status: 'ok',
          repetitions: [latencyRepetition(2000), latencyRepetition(3000)],
        },
        'redis-streams': { status: 'ok', repetitions: [latencyRepetition(1000)] },
      },
    },
  ],
};

/**
 * A small well-formedness check: every tag closes in order, attribute values are quoted and
 * hold no raw '<' or '&', text holds no raw '<' and only known entities.
 */
function assertWellFormedXml(xml: string): void {
  const stack: string[] = [];
  const entity = /&(amp|lt|gt|quot|apos|#\d+);/g;
  const token = /<[^>]*>|[^<]+/g;
  let root = 0;
  for (const [piece] of xml.matchAll(token)) {
    if (!piece.startsWith('<')) {
      expect(piece.replace(entity, '')).not.toMatch(/[<&]/);
      continue;
    }
    const tag =
      /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>$/.exec(
        piece,
      );
    expect(tag, `malformed tag ${piece}`).not.toBeNull();
    const [, closing, name, , selfClosing] = tag!;
    if (closing === '/') expect(stack.pop()).toBe(name);
    else if (selfClosing !== '/') {
      if (stack.length === 0) root++;
      stack.push(name!);
    }
  }
  expect(stack).toEqual([]);
  expect(root).toBe(1);
}

describe('summaries', () => {
  it('quote the median and spread, the fraction of the limit and the CPU per record', () => {
    const summary = summariseCase(results.cases[0]!, limits);
    const cairn = summary.targets.find((target) => target.target === 'cairn-kcat')!;
    expect(cairn.recordsPerSecond).toEqual({ median: 1_000_000, min: 900_000, max: 1_100_000 });
    expect(cairn.megabytesPerSecond!.median).toBeCloseTo(100);
    expect(summary.limit!.name).toBe('disk write');
    expect(cairn.limitFraction).toBeCloseTo(0.1);
    expect(cairn.serverCpuMicrosPerRecord).toBeCloseTo(0.5);
    const acksAll = summariseCase(results.cases[1]!, limits);
    expect(acksAll.limit!.name).toBe('disk write + fsync');
  });
});

describe('goals', () => {
  it('judge each goal from the ratio of Cairn to the peer', () => {
    const summaries = results.cases.map((result) => summariseCase(result, limits));
    const goals = evaluateGoals(summaries);
    const verdict = (text: string) => goals.find((goal) => goal.goal.includes(text))!;
    expect(verdict('acks=1: records/s vs Redis')).toMatchObject({
      measured: '5.00x',
      verdict: 'PASS',
    });
    expect(verdict('vs NATS')).toMatchObject({ verdict: 'NOT MEASURED' });
    expect(verdict('consume')).toMatchObject({ verdict: 'NOT MEASURED' });
    expect(verdict('acks=all')).toMatchObject({ measured: '1.50x', verdict: 'FALL SHORT' });
    expect(verdict('p99 at 10k')).toMatchObject({ measured: '2.50x', verdict: 'FALL SHORT' });
  });
});

describe('report', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('states the goals, limits, ratios, tables, failures and skipped targets', () => {
    const { markdown } = renderReport(results);
    expect(markdown).toContain('## Goals (issue 6 §4)');
    expect(markdown).toMatch(
      /acks=all: records\/s vs Redis appendfsync always \| cairn-kcat \| >= 2x \| 1\.50x \| \*\*FALL SHORT\*\*/,
    );
    expect(markdown).toContain('| sequential write, page cache (1 MiB writes) | 1000 MB/s |');
    expect(markdown).toContain('| produce 100B acks=1 <baseline> | 5.00x |');
    expect(markdown).toContain('1.00M (900.0k–1.10M)');
    expect(markdown).toContain('10.0% of disk write');
    expect(markdown).toContain('failed: kcat exited with 1');
    expect(markdown).toContain('nats-jetstream: **skipped**, nats-server is not installed');
    expect(markdown).toContain('![Produce throughput](throughput-produce.svg)');
    expect(markdown).toContain('![latency](latency-1.svg)');
    expect(terminalTable(renderReport(results))).toMatch(/FALL SHORT/);
  });

  it('draws well-formed SVG charts, escaping text', () => {
    const { charts } = renderReport(results);
    expect([...charts.keys()].sort()).toEqual([
      'latency-1.svg',
      'throughput-consume.svg',
      'throughput-produce.svg',
    ]);
    for (const svg of charts.values()) assertWellFormedXml(svg);
    expect(charts.get('throughput-produce.svg')).toContain('&lt;baseline&gt;');
    expect(charts.get('latency-1.svg')).toContain('<polyline');
    expect(escapeXml(`a<b & "c"`)).toBe('a&lt;b &amp; &quot;c&quot;');
  });

  it('catches malformed XML (the check above can fail)', () => {
    expect(() => assertWellFormedXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => assertWellFormedXml('<svg><g></svg>')).toThrow();
  });

  it('writes results.json, report.md and the charts', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'cairn-report-'));
    directories.push(directory);
    await writeReport(directory, results);
    expect((await readdir(directory)).sort()).toEqual([
      'latency-1.svg',
      'report.md',
      'results.json',
      'throughput-consume.svg',
      'throughput-produce.svg',
    ]);
    const saved = JSON.parse(
      await readFile(join(directory, 'results.json'), 'utf8'),
    ) as BenchResults;
    expect(saved.cases[0]!.runs['cairn-kcat']!.repetitions).toHaveLength(3);
    expect(renderReport(saved).markdown).toBe(await readFile(join(directory, 'report.md'), 'utf8'));
  });
});
