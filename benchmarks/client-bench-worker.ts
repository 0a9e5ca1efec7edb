/**
 * One client-bench job in a process of its own (client-bench.ts starts one per client and
 * workload), so no client runs beside another's garbage or JIT state:
 *
 *   node benchmarks/dist/client-bench-worker.js '<job as JSON>'
 *
 * Writes the result as one JSON line on stdout and exits 0, or the error on stderr and exits 1.
 */
import { loadClient } from './client-bench-clients.js';
import { type Job, runJob } from './client-bench-workloads.js';

async function main(): Promise<void> {
  const text = process.argv[2];
  if (text === undefined) throw new Error('usage: client-bench-worker.js JOB_JSON');
  const job = JSON.parse(text) as Job;
  const result = await runJob(job, await loadClient(job.client));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  // Clients may leave timers behind after close; the result is out, so the process ends here.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
    process.exit(1);
  },
);
