/**
 * kcat (librdkafka's command-line client) as the load: one process per run, timed from spawn
 * to exit, with its CPU time. Producing reads the lines of a file on stdin (one record each);
 * consuming prints each value and a newline to /dev/null and exits at the end of the partition
 * (`-e`), which kcat reports on stderr with the offset it reached.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { reapedChildrenCpuSeconds } from './cpu-time.js';

export interface KcatRun {
  /** Wall time from spawn to exit. */
  seconds: number;
  /** kcat's CPU time, every thread (NaN off Linux). */
  cpuSeconds: number;
  stderr: string;
}

/** librdkafka settings given as `-X name=value`, in order. */
export type KcatSettings = Readonly<Record<string, string>>;

/** The "Version ..." line of `kcat -V` (kcat's and librdkafka's versions). */
export function kcatVersion(): string {
  const output = execFileSync('kcat', ['-V'], { encoding: 'utf8' });
  return output.split('\n').find((line) => line.startsWith('Version')) ?? output.trim();
}

function settingArgs(settings: KcatSettings): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ['-X', `${name}=${value}`]);
}

/** Runs kcat with `stdin` (a file descriptor or none); rejects on a non-zero exit. */
function runKcat(args: string[], stdin: number | 'ignore'): Promise<KcatRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const start = process.hrtime.bigint();
    const child = spawn('kcat', args, { stdio: [stdin, 'ignore', 'pipe'] });
    let seconds = 0;
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr += text;
    });
    child.on('error', reject);
    child.on('exit', () => {
      seconds = Number(process.hrtime.bigint() - start) / 1e9;
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`kcat ${args.join(' ')} exited with ${code ?? signal}:\n${stderr}`));
        return;
      }
      resolve({ seconds, cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore, stderr });
    });
  });
}

export interface ProduceLoad {
  bootstrap: string;
  topic: string;
  /** A file of newline-terminated records (record-file.ts). */
  inputPath: string;
  settings: KcatSettings;
}

/** Produces every line of the input file to partition 0 and waits for every delivery report. */
export async function kcatProduce(load: ProduceLoad): Promise<KcatRun> {
  const input = await open(load.inputPath, 'r');
  try {
    const args = ['-P', '-b', load.bootstrap, '-t', load.topic, '-p', '0'];
    return await runKcat([...args, ...settingArgs(load.settings)], input.fd);
  } finally {
    await input.close();
  }
}

export interface ConsumeLoad {
  bootstrap: string;
  topic: string;
  settings: KcatSettings;
}

/** Consumes partition 0 from its first offset to its end; `endOffset` is where it stopped. */
export async function kcatConsume(load: ConsumeLoad): Promise<KcatRun & { endOffset: number }> {
  const args = ['-C', '-b', load.bootstrap, '-t', load.topic, '-p', '0', '-o', 'beginning'];
  const run = await runKcat([...args, '-e', '-f', '%s\n', ...settingArgs(load.settings)], 'ignore');
  const reached = /Reached end of topic .* at offset (\d+)/.exec(run.stderr);
  if (reached === null)
    throw new Error(`kcat did not report the end of ${load.topic}:\n${run.stderr}`);
  return { ...run, endOffset: Number(reached[1]) };
}

/** The log end offset of partition 0 (ListOffsets for the latest offset, `kcat -Q`). */
export async function kcatEndOffset(bootstrap: string, topic: string): Promise<number> {
  const args = ['-Q', '-b', bootstrap, '-t', `${topic}:0:-1`];
  const { stdout } = await promisify(execFile)('kcat', args, { encoding: 'utf8' });
  const match = / offset (-?\d+)/.exec(stdout);
  if (match === null) throw new Error(`kcat -Q gave no offset for ${topic}: ${stdout}`);
  return Number(match[1]);
}
