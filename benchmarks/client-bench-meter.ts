/**
 * The CPU around one timed run, next to its wall time: this process's (the client's), the
 * broker's (read by pid from /proc), and the rest of the machine's. On a shared 2-core machine
 * records/s moves with whatever else runs, while CPU per record mostly does not, so the report
 * gives both, and says how busy the rest of the machine was.
 */
import { machineBusyCpuSeconds, ownCpuSeconds, processCpuSeconds } from './cpu-time.js';

export interface CpuSample {
  clientCpuSeconds: number;
  /** NaN when the broker runs in this process (tests) or off Linux. */
  brokerCpuSeconds: number;
  /** Other processes and the kernel's threads; NaN when the broker's CPU is unknown. */
  otherCpuSeconds: number;
}

export interface CpuMeter {
  stop(): CpuSample;
}

export function startCpuMeter(brokerPid: number | undefined): CpuMeter {
  const brokerCpu = () => (brokerPid === undefined ? Number.NaN : processCpuSeconds(brokerPid));
  const clientBefore = ownCpuSeconds();
  const brokerBefore = brokerCpu();
  const machineBefore = machineBusyCpuSeconds();
  return {
    stop() {
      const clientCpuSeconds = ownCpuSeconds() - clientBefore;
      const brokerCpuSeconds = brokerCpu() - brokerBefore;
      const machineCpuSeconds = machineBusyCpuSeconds() - machineBefore;
      return {
        clientCpuSeconds,
        brokerCpuSeconds,
        otherCpuSeconds: machineCpuSeconds - clientCpuSeconds - brokerCpuSeconds,
      };
    },
  };
}
