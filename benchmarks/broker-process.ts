/**
 * The broker as a child process, started by its CLI as an operator would
 * (`node packages/broker/dist/cli.js --data-dir DIR --kafka 127.0.0.1:0`), so the load and the
 * broker are separate processes as in production and neither's CPU is counted to the other.
 * It is ready when it logs "broker started" with the port it bound; it is stopped with SIGTERM,
 * the graceful path (so `node --cpu-prof` gets to write its profile), and killed only when it
 * has not exited after `stopTimeoutMs`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processCpuSeconds } from './cpu-time.js';

const startTimeoutMs = 60_000;
const stopTimeoutMs = 30_000;
/** pino's level number for warn: such lines are passed on to our stderr. */
const warnLevel = 40;

export interface BrokerProcessOptions {
  cliPath: string;
  dataDir: string;
  /** Flags for node itself, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
  nodeArgs: readonly string[];
}

export interface BrokerProcess {
  readonly pid: number;
  /** `127.0.0.1:PORT`, for kcat's `-b`. */
  readonly bootstrap: string;
  /** CPU seconds the broker has used so far, every thread (NaN off Linux). */
  cpuSeconds(): number;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

interface LogLine {
  level?: number;
  msg?: string;
  kafka?: string;
}

export function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const args = [...options.nodeArgs, options.cliPath, '--data-dir', options.dataDir];
  args.push('--kafka', '127.0.0.1:0', '--log-level', 'info');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    stderr += text;
    process.stderr.write(`broker: ${text}`);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the broker did not start within ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the broker exited with ${code ?? signal} before it started:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = parseLogLine(line);
      if ((entry.level ?? 0) >= warnLevel) process.stderr.write(`broker: ${line}\n`);
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
