/**
 * The null broker (null-broker.ts) in a process of its own, as broker-bench runs the broker, so
 * neither the benchmark's garbage nor its CPU lands on it:
 *
 *   node benchmarks/dist/null-broker-cli.js [--hold-topic NAME --records-per-batch N
 *     --batch-count N --record-bytes N]
 *
 * It logs one JSON line as the broker does when it is ready, `{"msg":"broker started",
 * "kafka":"127.0.0.1:PORT"}`, serves the held topic (if any) to consumers, and exits on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { batchOfShape } from './batch-shape.js';
import { startNullBroker } from './null-broker.js';

function count(value: string | undefined, flag: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`${flag} wants a count`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    strict: true,
    options: {
      'hold-topic': { type: 'string' },
      'records-per-batch': { type: 'string' },
      'batch-count': { type: 'string' },
      'record-bytes': { type: 'string' },
    },
  });
  const broker = await startNullBroker();
  const topic = values['hold-topic'];
  if (topic !== undefined) {
    const recordBytes = count(values['record-bytes'], '--record-bytes');
    const batch = batchOfShape(
      count(values['records-per-batch'], '--records-per-batch'),
      recordBytes,
    );
    broker.holdTopic(topic, batch, count(values['batch-count'], '--batch-count'));
  }
  process.on('SIGTERM', () => {
    broker.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ msg: 'broker started', kafka: broker.bootstrap })}\n`);
}

await main();
