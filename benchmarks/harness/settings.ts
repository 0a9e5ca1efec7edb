/**
 * The harness's command line (`npm run bench -- <options>`), parsed into the run's settings.
 */
import { parseArgs } from 'node:util';
import { defaultProbeSizes, type LimitProbeSizes, quickProbeSizes } from './machine-limits.js';
import { type TargetName, targetNames } from './target.js';
import {
  defaultScale,
  quickScale,
  type Scale,
  type WorkloadKind,
  workloadKinds,
} from './workloads.js';

export const usage = `Usage: npm run bench -- [options]

  --quick                 everything scaled down: a full run in a few minutes, noisier numbers
  --full                  every combination of the produce parameters (48 cases), not the
                          default one-at-a-time matrix (7 cases)
  --only KIND,...         workloads to run: ${workloadKinds.join(', ')} (default all)
  --targets NAME,...      targets to run: ${targetNames.join(', ')} (default all)
  --repetitions N         timed repetitions per case (default 5, quick 3)
  --profile               also run the produce baseline against a broker under node --cpu-prof
                          and put its top functions in the report
  --results-dir DIR       where to write (default benchmarks/results/<timestamp>)
  --no-progress           no progress bar (log lines only)
  --help                  this text
`;

export interface RunSettings {
  quick: boolean;
  full: boolean;
  kinds: WorkloadKind[];
  targets: TargetName[];
  scale: Scale;
  probeSizes: LimitProbeSizes;
  profile: boolean;
  resultsDir: string | undefined;
  progress: boolean;
}

function listOf<T extends string>(
  value: string | undefined,
  known: readonly T[],
  flag: string,
): T[] {
  if (value === undefined) return [...known];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (!known.includes(name as T)) {
      throw new Error(`${flag}: unknown '${name}' (known: ${known.join(', ')})`);
    }
  }
  return names as T[];
}

export function parseSettings(argv: string[]): RunSettings | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      only: { type: 'string' },
      targets: { type: 'string' },
      repetitions: { type: 'string' },
      profile: { type: 'boolean' },
      'results-dir': { type: 'string' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const scale = { ...(quick ? quickScale : defaultScale) };
  if (values.repetitions !== undefined) {
    const repetitions = Number(values.repetitions);
    if (!Number.isSafeInteger(repetitions) || repetitions < 1) {
      throw new Error(`--repetitions wants a count, got '${values.repetitions}'`);
    }
    scale.repetitions = repetitions;
  }
  return {
    quick,
    full: values.full ?? false,
    kinds: listOf(values.only, workloadKinds, '--only'),
    targets: listOf(values.targets, targetNames, '--targets'),
    scale,
    probeSizes: quick ? quickProbeSizes : defaultProbeSizes,
    profile: values.profile ?? false,
    resultsDir: values['results-dir'],
    progress: !(values['no-progress'] ?? false),
  };
}
