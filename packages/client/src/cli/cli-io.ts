/**
 * Where the `cairn` command reads and writes: the process's streams when run as a command, or
 * captured ones when a test calls `main(argv, io)`.
 */
import type { Readable } from 'node:stream';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: Readable;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted to stop a command that runs until interrupted (`consume` without `-n`). */
  signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 a Kafka or connection error, 2 a usage error. */
export const exitCodes = { ok: 0, kafkaError: 1, usageError: 2 } as const;

export function processIo(signal: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal,
  };
}
