/**
 * The Cairn broker for client-bench, in a process of its own (broker-process.ts starts it):
 *
 *   node benchmarks/dist/client-bench-broker.js --data-dir DIR
 *
 * The broker's CLI with one difference: group.initial.rebalance.delay.ms is 0, so that a
 * consumer's group join (kafkajs and @platformatic/kafka consume only in groups) takes
 * milliseconds instead of Kafka's 3 s wait for more members, which would dominate short runs.
 * Listens on an ephemeral port and logs `{"msg":"broker started","kafka":"127.0.0.1:PORT"}`
 * when ready, as the broker does; stops gracefully on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startBroker } from '@cairn/broker';

async function main(): Promise<void> {
  const { values } = parseArgs({ strict: true, options: { 'data-dir': { type: 'string' } } });
  const dataDir = values['data-dir'];
  if (dataDir === undefined) throw new Error('--data-dir is required');
  const broker = await startBroker({
    dataDir,
    kafkaHost: '127.0.0.1',
    kafkaPort: 0,
    groupInitialRebalanceDelayMs: 0,
  });
  process.on('SIGTERM', () => {
    broker.close().then(() => process.exit(0));
  });
  process.stdout.write(`${JSON.stringify({ msg: 'broker started', kafka: broker.bootstrap })}\n`);
}

await main();
