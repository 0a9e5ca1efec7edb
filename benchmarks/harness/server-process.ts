/**
 * A peer server (redis-server, nats-server) as a child process: started with its arguments,
 * ready when a line of its output matches `readyPattern`, stopped with SIGTERM (both flush and
 * exit cleanly on it) and killed only if it lingers. Its output is kept in memory and shown
 * when it fails to start.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { serverStartTimeoutMs, serverStopTimeoutMs } from './constants.js';

export interface ServerProcess {
  readonly pid: number;
  /** The first match of `readyPattern` (its groups carry, e.g., the port). */
  readonly ready: RegExpMatchArray;
  stop(): Promise<void>;
}

export function startServerProcess(
  command: string,
  args: readonly string[],
  readyPattern: RegExp,
): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${command} ${why}:\n${output.slice(-4000)}`));
    };
    const timer = setTimeout(
      () => fail(`not ready in ${serverStartTimeoutMs} ms`),
      serverStartTimeoutMs,
    );
    child.once('error', (error) => fail(`failed to start: ${error.message}`));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal} at start`));
    const onLine = (line: string) => {
      output += `${line}\n`;
      const match = readyPattern.exec(line);
      if (match === null) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      resolve(runningServer(child, match));
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
  });
}

function runningServer(child: ChildProcess, ready: RegExpMatchArray): ServerProcess {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    pid: child.pid!,
    ready,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), serverStopTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A loopback port free right now (for servers that cannot bind port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Why a target that runs `command` cannot start (`installScript` installs it), or null. */
export function commandMissing(command: string, installScript: string): string | null {
  return commandPath(command) === null
    ? `${command} is not installed (bash ${installScript})`
    : null;
}

/** The path of `command` on PATH, or null when it is not installed. */
export function commandPath(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
