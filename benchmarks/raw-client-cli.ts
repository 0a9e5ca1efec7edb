/**
 * The raw client (raw-client.ts) in a process of its own, as kcat is, so its CPU is counted
 * apart from the broker's and the benchmark's:
 *
 *   node benchmarks/dist/raw-client-cli.js produce --bootstrap HOST:PORT --topic NAME
 *     --records-per-batch N --record-bytes N --batch-count N --window N --acks 1|-1
 *   node benchmarks/dist/raw-client-cli.js fetch --bootstrap HOST:PORT --topic NAME
 *     --records-per-batch N --record-bytes N --end-offset N --batches-per-fetch N --window N
 *
 * Batches are `batchOfShape(records-per-batch, record-bytes)`, the batch the log engine and
 * the null broker use. Prints one JSON line, `{"seconds":S,"cpuSeconds":C,"recordCount":N}` (time and
 * CPU from the first request to the last answer), and exits 0; any
 * error answer or unexpected count exits 1 with the message on stderr.
 */
import { parseArgs } from 'node:util';
import { batchOfShape } from './batch-shape.js';
import { type RawRun, rawFetch, rawProduce } from './raw-client.js';

function count(value: string | undefined, flag: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${flag} wants a count`);
  return parsed;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new Error(`${flag} is required`);
  return value;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    strict: true,
    allowPositionals: true,
    options: {
      bootstrap: { type: 'string' },
      topic: { type: 'string' },
      'records-per-batch': { type: 'string' },
      'record-bytes': { type: 'string' },
      'batch-count': { type: 'string' },
      'end-offset': { type: 'string' },
      'batches-per-fetch': { type: 'string' },
      window: { type: 'string' },
      acks: { type: 'string' },
    },
  });
  const mode = positionals[0];
  const bootstrap = required(values.bootstrap, '--bootstrap');
  const topic = required(values.topic, '--topic');
  const recordsPerBatch = count(values['records-per-batch'], '--records-per-batch');
  const batch = batchOfShape(recordsPerBatch, count(values['record-bytes'], '--record-bytes'));
  const window = count(values.window, '--window');
  let run: RawRun;
  if (mode === 'produce') {
    const acks = Number(values.acks);
    if (acks !== 1 && acks !== -1) throw new Error('--acks wants 1 or -1');
    const batchCount = count(values['batch-count'], '--batch-count');
    run = await rawProduce({ bootstrap, topic, batch, batchCount, window, acks });
  } else if (mode === 'fetch') {
    run = await rawFetch({
      bootstrap,
      topic,
      recordsPerBatch,
      batchBytes: batch.length,
      endOffset: count(values['end-offset'], '--end-offset'),
      batchesPerFetch: count(values['batches-per-fetch'], '--batches-per-fetch'),
      window,
    });
  } else {
    throw new Error(`mode ${mode ?? '(none)'}: want produce or fetch`);
  }
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`raw-client: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
