/**
 * The Node process metrics (prom-client's collectDefaultMetrics: process_*, nodejs_*), made
 * once per process. They describe the process, not a broker, and each collectDefaultMetrics
 * call starts an event-loop delay monitor and a GC observer that nothing stops: a process that
 * starts brokers one after another (a test run, an application's tests) would pile them up and
 * slow down. So the first broker creates them in a registry of their own, every broker's
 * registry merges that one in (broker-metrics.ts), and they live as long as the process.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/** The process-wide registry of process_* and nodejs_* metrics, created at the first call. */
export function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
