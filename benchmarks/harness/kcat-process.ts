/**
 * kcat (librdkafka's command-line client) as a child process of a run: stdin from a file
 * descriptor or a pipe, stdout either watched only for its first byte (throughput runs, which
 * time from the first record delivered) or handed line by line to a callback (latency runs),
 * stderr kept for its end-of-partition lines. Rejects on a non-zero exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface KcatExit {
  stderr: string;
  /** performance.now() when kcat exited. */
  exitedMs: number;
  /** performance.now() of its first stdout byte, or NaN if it printed nothing. */
  firstOutputMs: number;
}

export interface KcatProcess {
  child: ChildProcess;
  exited: Promise<KcatExit>;
}

export interface KcatOptions {
  stdin: number | 'ignore' | 'pipe';
  /** Each line of stdout (without its newline), as a view valid during the call. */
  onLine?: (line: Uint8Array) => void;
}

/** librdkafka settings as `-X name=value` arguments. */
export function settingArgs(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ['-X', `${name}=${value}`]);
}

export function spawnKcat(args: readonly string[], options: KcatOptions): KcatProcess {
  const child = spawn('kcat', args, { stdio: [options.stdin, 'pipe', 'pipe'] });
  let stderr = '';
  let firstOutputMs = Number.NaN;
  let rest: Buffer = Buffer.alloc(0);
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr += text;
  });
  child.stdout!.on('data', (chunk: Buffer) => {
    if (Number.isNaN(firstOutputMs)) firstOutputMs = performance.now();
    if (options.onLine === undefined) return;
    const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk]);
    let start = 0;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a, start)) {
      options.onLine(data.subarray(start, end));
      start = end + 1;
    }
    rest = data.subarray(start);
  });
  const exited = new Promise<KcatExit>((resolve, reject) => {
    let exitedMs = 0;
    child.on('error', reject);
    child.on('exit', () => {
      exitedMs = performance.now();
    });
    child.on('close', (code, signal) => {
      if (code === 0 || signal === 'SIGTERM') resolve({ stderr, exitedMs, firstOutputMs });
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
    });
  });
  return { child, exited };
}

/** Sums, per partition, the offsets kcat reported reaching ("Reached end of topic T [p] at
 * offset N"); a partition reported twice (after a rebalance) counts its highest offset. */
export function endOffsetsReached(stderrs: readonly string[]): Map<number, number> {
  const reached = new Map<number, number>();
  const pattern = /Reached end of topic .* \[(\d+)\] at offset (\d+)/g;
  for (const stderr of stderrs) {
    for (const match of stderr.matchAll(pattern)) {
      const partition = Number(match[1]);
      reached.set(partition, Math.max(reached.get(partition) ?? 0, Number(match[2])));
    }
  }
  return reached;
}
