/**
 * `npm run bench`: Cairn against Redis Streams and NATS JetStream on the same workloads, in one
 * run, with the machine's own limits beside them. `npm run bench -- --help` lists the options;
 * benchmarks/README.md explains the workloads, the fairness rules and how to read the report.
 *
 * Order: measure the machine's limits; start every target that can run (skipping, with the
 * reason, those that cannot); then run each case on every target in turn, so the targets'
 * numbers for one case are taken minutes apart at most, under the same background load; stop
 * the targets; optionally profile the broker under the produce baseline; write the results.
 *
 * Back of the envelope (2 cores, Node 20): kcat produces 100 B records at ~1 M/s against a null
 * broker; the broker spends ~3 ms of CPU per MB (copy, CRC-32C, write), so Cairn with kcat
 * should reach several hundred thousand to ~1 M records/s with acks=1, the page cache taking
 * ~1-2 GB/s. Redis appends a stream entry in ~1-2 µs of its single thread, but ioredis
 * spends ~3-5 µs per XADD encoding and parsing in Node, so ~200-300 k/s; JetStream acks each
 * publish, and nats.js handles each ack as a promise, so ~100-200 k/s.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { machineInfo } from '../machine-info.js';
import { repositoryRoot } from './cairn-broker.js';
import { measureMachineLimits } from './machine-limits.js';
import { createProgress, type Progress } from './progress.js';
import { type BenchResults, terminalTable, writeReport } from './report.js';
import { parseSettings, type RunSettings, usage } from './settings.js';
import type { CaseResult } from './summary.js';
import type { SkippedTarget, Target, TargetContext, TargetName } from './target.js';
import { targetDefinitions } from './targets.js';
import { runCase, stepsOf } from './workload-runner.js';
import { baselineProduce, planCases, type WorkloadCase } from './workloads.js';

const benchmarksDir = join(repositoryRoot, 'benchmarks');
/** Functions listed from the broker's profile. */
const profileTopFunctions = 20;

async function startTargets(settings: RunSettings, context: TargetContext, progress: Progress) {
  const started: Target[] = [];
  const skipped: SkippedTarget[] = [];
  for (const name of settings.targets) {
    const definition = targetDefinitions[name];
    const missing = await definition.missing();
    if (missing !== null) {
      skipped.push({ name, reason: missing });
      progress.log(`skipping ${name}: ${missing}`);
      continue;
    }
    try {
      started.push(await definition.start(context));
    } catch (error) {
      const reason = `failed to start: ${error instanceof Error ? error.message : error}`;
      skipped.push({ name, reason });
      progress.log(`skipping ${name}: ${reason}`);
    }
  }
  return { started, skipped };
}

async function runCases(
  targets: readonly Target[],
  cases: readonly WorkloadCase[],
  settings: RunSettings,
  progress: Progress,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const workload of cases) {
    const result: CaseResult = { case: workload, runs: {} };
    for (const target of targets) {
      progress.describe(`${target.name}: ${workload.id}`);
      let steps = 0;
      const run = await runCase(target, workload, settings.scale, {
        step: (label) => {
          steps++;
          progress.advance();
          progress.describe(`${target.name}: ${workload.id} (${label})`);
        },
      });
      progress.advance(stepsOf(settings.scale) - steps);
      if (run.status !== 'ok')
        progress.log(`${workload.id} on ${target.name}: ${run.status}: ${run.reason}`);
      result.runs[target.name] = run;
    }
    results.push(result);
  }
  return results;
}

/** The baseline produce case against a broker under --cpu-prof; the summary's top lines. */
async function profileProduce(settings: RunSettings, workDir: string, outputDir: string) {
  const profileDir = join(outputDir, 'cpu-profile');
  const context: TargetContext = {
    workDir: join(workDir, 'profile'),
    brokerNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`],
  };
  const target = await targetDefinitions['cairn-kcat'].start(context);
  const workload: WorkloadCase = { ...baselineProduce, id: 'produce (profiled)' };
  try {
    // Long enough that the produce path, not the broker's start, fills the profile.
    const scale = { ...settings.scale, produceSeconds: Math.max(settings.scale.produceSeconds, 3) };
    await runCase(target, workload, scale, { step: () => {} });
  } finally {
    await target.stop();
  }
  const profiles = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'));
  if (profiles.length === 0) return 'The broker wrote no CPU profile.';
  const summariser = join(benchmarksDir, 'dist', 'cpu-profile-summary.js');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [summariser, join(profileDir, profiles[0]!), String(profileTopFunctions)],
    { cwd: repositoryRoot },
  );
  return `Profile: \`cpu-profile/${profiles[0]}\` (open it in Chrome DevTools).\n\n${stdout}`;
}

/** Ctrl-C or SIGTERM: stop the servers this run started (they would outlive it), then exit. */
function stopOnSignal(targets: readonly Target[], workDir: string): void {
  const stop = async (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping the servers\n`);
    await Promise.allSettled(targets.map((target) => target.stop()));
    await rm(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  if (settings === 'help') {
    process.stdout.write(usage);
    return;
  }
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const outputDir = settings.resultsDir ?? join(benchmarksDir, 'results', stamp);
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
  const cases = planCases(settings.scale, settings.kinds, settings.full);
  const context: TargetContext = { workDir, brokerNodeArgs: [] };
  const stepCount = cases.length * settings.targets.length * stepsOf(settings.scale);
  const progress = createProgress(stepCount, settings.progress);
  progress.log(
    `cairn bench: ${cases.length} cases on ${settings.targets.join(', ')}` +
      `${settings.quick ? ' (quick)' : ''}; work dir ${workDir}`,
  );
  let results: BenchResults;
  try {
    progress.describe('measuring the machine limits');
    const limits = await measureMachineLimits(workDir, settings.probeSizes);
    const { started, skipped } = await startTargets(settings, context, progress);
    stopOnSignal(started, workDir);
    progress.advance(skipped.length * cases.length * stepsOf(settings.scale));
    const versions: BenchResults['versions'] = {};
    for (const target of started) versions[target.name as TargetName] = target.versions;
    let caseResults: CaseResult[];
    try {
      caseResults = await runCases(started, cases, settings, progress);
    } finally {
      for (const target of started) await target.stop();
    }
    progress.stop();
    results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      machine: machineInfo(),
      versions,
      settings: { ...settings },
      limits,
      skippedTargets: skipped,
      cases: caseResults,
    };
    if (settings.profile) {
      process.stderr.write('profiling the broker under the produce baseline\n');
      results.profile = await profileProduce(settings, workDir, outputDir);
    }
  } finally {
    progress.stop();
    await rm(workDir, { recursive: true, force: true });
  }
  const rendered = await writeReport(outputDir, results);
  process.stdout.write(`\n${terminalTable(rendered)}\n\nreport: ${join(outputDir, 'report.md')}\n`);
}

await main();
