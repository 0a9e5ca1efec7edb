/**
 * CPU time (user + system, every thread) of processes, in seconds, read from /proc on Linux:
 *
 *   /proc/<pid>/stat   "pid (comm) state ..." then, counting fields from 1: utime 14,
 *                      stime 15 (this process), cutime 16, cstime 17 (its reaped children),
 *                      all in clock ticks (`getconf CLK_TCK`, usually 100 a second)
 *   /proc/stat         first line "cpu user nice system idle iowait irq softirq steal ...",
 *                      ticks summed over every CPU
 *
 * A running process is read by pid (the broker). A short-lived child (kcat) is measured as the
 * growth of this process's children time across the run: its time is added when it is reaped,
 * which Node does before it emits 'exit', and no other child exits meanwhile. The resolution is
 * one tick (10 ms), fine for runs of a second. The whole machine's busy time shows how much
 * CPU other processes took during a run: on a shared 2-core machine a test suite running beside
 * the benchmark halves what it measures, and the report should say so. Elsewhere than Linux
 * every function reads NaN.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Index of utime among the fields after "(comm)", which start at field 3 (state). */
const UTIME_INDEX = 14 - 3;
const STIME_INDEX = UTIME_INDEX + 1;
const CUTIME_INDEX = STIME_INDEX + 1;
const CSTIME_INDEX = CUTIME_INDEX + 1;
/** Busy columns of /proc/stat's "cpu" line, after the label: all but idle (3) and iowait (4). */
const BUSY_COLUMNS = [0, 1, 2, 5, 6, 7];

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  return ticksPerSecond;
}

/** The fields after "(comm)": comm may hold spaces and parentheses, so split after the last ')'. */
function statFields(pid: number | 'self'): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function ticksToSeconds(fields: string[] | null, first: number, second: number): number {
  if (fields === null) return Number.NaN;
  return (Number(fields[first]) + Number(fields[second])) / clockTicksPerSecond();
}

/** CPU seconds `pid` has used so far; NaN when it cannot be read. */
export function processCpuSeconds(pid: number): number {
  return ticksToSeconds(statFields(pid), UTIME_INDEX, STIME_INDEX);
}

/** CPU seconds `pid` has used so far in user and in kernel mode; NaN when it cannot be read. */
export function processCpuSplit(pid: number): { userSeconds: number; systemSeconds: number } {
  const fields = statFields(pid);
  const seconds = (index: number) =>
    fields === null ? Number.NaN : Number(fields[index]) / clockTicksPerSecond();
  return { userSeconds: seconds(UTIME_INDEX), systemSeconds: seconds(STIME_INDEX) };
}

/** CPU seconds of this process's children that have exited and been reaped. */
export function reapedChildrenCpuSeconds(): number {
  return ticksToSeconds(statFields('self'), CUTIME_INDEX, CSTIME_INDEX);
}

/** CPU seconds the whole machine has spent busy (every CPU, every process, the kernel). */
export function machineBusyCpuSeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
    const columns = line.trim().split(/\s+/).slice(1).map(Number);
    const ticks = BUSY_COLUMNS.reduce((sum, column) => sum + (columns[column] ?? 0), 0);
    return ticks / clockTicksPerSecond();
  } catch {
    return Number.NaN;
  }
}

/** This process's CPU seconds (every thread). */
export function ownCpuSeconds(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1e6;
}
