/** The machine a benchmark ran on, as its results file records it. */
import { cpus, type as osType, release, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  os: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryBytes: totalmem(),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
}
