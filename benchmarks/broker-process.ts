/**
 * A Kafka listener as a child process: the broker started by its CLI as an operator would
 * (`node packages/broker/dist/cli.js --data-dir DIR --kafka 127.0.0.1:0`), or the null broker
 * (null-broker-cli.ts). The load and the listener are then separate processes as in
 * production, and neither's CPU is counted to the other or to the benchmark. It is ready when
 * it logs "broker started" with the address it bound (a pino JSON line); it is stopped with
 * SIGTERM, the graceful path (so `node --cpu-prof` gets to write its profile), and killed only
 * when it has not exited after `stopTimeoutMs`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { processCpuSeconds } from './cpu-time.js';

const startTimeoutMs = 60_000;
const stopTimeoutMs = 30_000;
/** pino's level number for warn: such lines are passed on to our stderr. */
const warnLevel = 40;

export interface BrokerProcessOptions {
  scriptPath: string;
  /** The script's arguments. */
  args: readonly string[];
  /** Flags for node itself, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs: readonly string[];
}

export interface BrokerProcess {
  readonly pid: number;
  /** `127.0.0.1:PORT`, for kcat's `-b`. */
  readonly bootstrap: string;
  /** CPU seconds the process has used so far, every thread (NaN off Linux). */
  cpuSeconds(): number;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

interface LogLine {
  level?: number;
  msg?: string;
  kafka?: string;
}

/** The broker CLI's arguments for a benchmark: `dataDir`, any free ports, info logs. */
export function brokerCliArgs(dataDir: string): string[] {
  return [
    '--data-dir',
    dataDir,
    '--kafka',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--log-level',
    'info',
  ];
}

export function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const args = [...options.nodeArgs, options.scriptPath, ...options.args];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const label = basename(options.scriptPath, '.js');
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr += text;
    process.stderr.write(`${label}: ${text}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${options.scriptPath} did not start within ${startTimeoutMs} ms:\n${stderr}`),
      );
    }, startTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${options.scriptPath} exited with ${code ?? signal} at start:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = parseLogLine(line);
      if ((entry.level ?? 0) >= warnLevel) process.stderr.write(`${label}: ${line}\n`);
      if (entry.msg !== 'broker started' || entry.kafka === undefined) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(runningBroker(child, entry.kafka));
    });
  });
}

function parseLogLine(line: string): LogLine {
  try {
    return JSON.parse(line) as LogLine;
  } catch {
    return {};
  }
}

function runningBroker(child: ChildProcess, bootstrap: string): BrokerProcess {
  const pid = child.pid!;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
  });
  return {
    pid,
    bootstrap,
    cpuSeconds: () => processCpuSeconds(pid),
    async stop() {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), stopTimeoutMs);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome !== 'timeout') return outcome;
      child.kill('SIGKILL');
      return exited;
    },
  };
}
