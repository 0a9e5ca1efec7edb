/**
 * Progress while the harness runs: one bar over every planned step (a warm-up or a
 * repetition of a case on a target), with what runs now, and log lines printed above it.
 * Without a terminal (CI, a pipe) there is no bar, only the log lines.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  /** Shows what runs now. */
  describe(label: string): void;
  /** Counts `steps` steps done. */
  advance(steps?: number): void;
  /** A line above the bar (a skipped target, a failed case). */
  log(line: string): void;
  stop(): void;
}

export function createProgress(totalSteps: number, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) {
    return {
      describe: () => {},
      advance: () => {},
      log: (line) => process.stderr.write(`${line}\n`),
      stop: () => {},
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      stream: process.stderr,
      format: ' {bar} {percentage}% | {value}/{total} steps | ETA {eta_formatted} | {label}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(totalSteps, 0, { label: 'starting' });
  return {
    describe: (label) => bar.update({ label }),
    advance: (steps = 1) => bar.increment(steps),
    log: (line) => bars.log(`${line}\n`),
    stop: () => bars.stop(),
  };
}
