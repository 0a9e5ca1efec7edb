/**
 * The Cairn broker both Cairn targets drive: started from its CLI as an operator would, in a
 * data directory of the run, with default settings (acks=1 answered from the page cache,
 * acks=all after fsync), or one already running (the smoke test starts it in-process).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brokerCliArgs, startBrokerProcess } from '../broker-process.js';
import { packageJsonVersion } from './package-version.js';
import type { TargetContext } from './target.js';

export interface CairnBroker {
  bootstrap: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

/** The workspace root: the nearest directory up holding pnpm-workspace.yaml (this file runs
 * from benchmarks/harness in tests and from benchmarks/dist/harness when built). */
function findRepositoryRoot(): string {
  let directory = import.meta.dirname;
  while (!existsSync(join(directory, 'pnpm-workspace.yaml'))) {
    const parent = dirname(directory);
    if (parent === directory)
      throw new Error(`no pnpm-workspace.yaml above ${import.meta.dirname}`);
    directory = parent;
  }
  return directory;
}

export const repositoryRoot = findRepositoryRoot();

function brokerVersion(): string {
  const version = packageJsonVersion(join(repositoryRoot, 'packages', 'broker', 'package.json'));
  return `cairn ${version} on node ${process.version}`;
}

export async function startCairnBroker(
  context: TargetContext,
  label: string,
): Promise<CairnBroker> {
  if (context.cairnBootstrap !== undefined) {
    return {
      bootstrap: context.cairnBootstrap,
      pid: process.pid,
      version: brokerVersion(),
      stop: async () => {},
    };
  }
  const broker = await startBrokerProcess({
    scriptPath: join(repositoryRoot, 'packages', 'broker', 'dist', 'cli.js'),
    args: brokerCliArgs(join(context.workDir, `${label}-data`)),
    nodeArgs: context.brokerNodeArgs,
  });
  return {
    bootstrap: broker.bootstrap,
    pid: broker.pid,
    version: brokerVersion(),
    stop: async () => {
      await broker.stop();
    },
  };
}
