#!/usr/bin/env node
/**
 * `npm start`: runs the broker until SIGTERM or SIGINT, then shuts down gracefully (stop
 * accepting, finish in-flight requests, flush, close). Logs are structured JSON (pino).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type BrokerOptions, startBroker } from './broker.js';

const usage = `Usage: cairn-broker [options]

  --data-dir DIR             data directory (default ./data)
  --kafka HOST:PORT          Kafka protocol listener (default 127.0.0.1:9092)
  --http HOST:PORT           HTTP API listener (default 127.0.0.1:8080)
  --advertised-host HOST     host given to clients in Metadata (default: the --kafka host)
  --num-partitions N         partitions of auto-created topics (default 1)
  --auto-create-topics BOOL  create unknown topics on Metadata requests (default true)
  --retention-ms MS          topic default retention.ms (default 604800000, 7 days)
  --retention-bytes N        topic default retention.bytes (default -1, none)
  --segment-bytes N          topic default segment.bytes (default 1073741824)
  --segment-ms MS            topic default segment.ms (default 604800000)
  --log-dir-bytes-max N      log.dir.bytes.max: disk budget of the data dir; produce past it
                             is refused (KAFKA_STORAGE_ERROR, HTTP 503) (default -1, none)
  --topic-retained-bytes-max N
                             topic.retained.bytes.max: the same budget per topic (default -1)
  --queued-max-request-bytes N
                             queued.max.request.bytes: Produce bytes in flight for the broker
                             before it stops reading (default 268435456)
  --producer-byte-rate N     producer_byte_rate: bytes/s per client id; over it produce is
                             throttled (default -1, none)
  --log-level LEVEL          trace, debug, info, warn, error (default info)
  --help                     this text
`;

function parseHostPort(value: string, flag: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(value);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${flag} wants HOST:PORT, got '${value}'`);
  }
  return { host: match[1] === '' ? '0.0.0.0' : match[1]!, port };
}

function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < -1) {
    throw new Error(`${flag} wants a whole number, got '${value}'`);
  }
  return parsed;
}

function parseBoolean(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new Error(`${flag} wants true or false, got '${value}'`);
}

const quotaFlags = {
  'log-dir-bytes-max': 'logDirBytesMax',
  'topic-retained-bytes-max': 'topicRetainedBytesMax',
  'queued-max-request-bytes': 'queuedMaxRequestBytes',
  'producer-byte-rate': 'producerByteRate',
} as const;

function parseQuotas(values: Partial<Record<keyof typeof quotaFlags, string>>) {
  const quotas: NonNullable<BrokerOptions['quotas']> = {};
  for (const flag of Object.keys(quotaFlags) as Array<keyof typeof quotaFlags>) {
    const value = parseCount(values[flag], `--${flag}`);
    if (value !== undefined) quotas[quotaFlags[flag]] = value;
  }
  return quotas;
}

export function parseBrokerArgs(argv: string[]): BrokerOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      kafka: { type: 'string' },
      http: { type: 'string' },
      'advertised-host': { type: 'string' },
      'num-partitions': { type: 'string' },
      'auto-create-topics': { type: 'string' },
      'retention-ms': { type: 'string' },
      'retention-bytes': { type: 'string' },
      'segment-bytes': { type: 'string' },
      'segment-ms': { type: 'string' },
      'log-dir-bytes-max': { type: 'string' },
      'topic-retained-bytes-max': { type: 'string' },
      'queued-max-request-bytes': { type: 'string' },
      'producer-byte-rate': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const kafka = parseHostPort(values.kafka ?? '127.0.0.1:9092', '--kafka');
  const http = parseHostPort(values.http ?? '127.0.0.1:8080', '--http');
  const topicDefaults: Record<string, string> = {};
  for (const flag of ['retention-ms', 'retention-bytes', 'segment-bytes', 'segment-ms'] as const) {
    const value = values[flag];
    if (value !== undefined) topicDefaults[flag.replace('-', '.')] = value;
  }
  const options: BrokerOptions = {
    dataDir: values['data-dir'] ?? 'data',
    kafkaHost: kafka.host,
    kafkaPort: kafka.port,
    httpHost: http.host,
    httpPort: http.port,
    topicDefaults,
    logger: pino({ level: values['log-level'] ?? 'info' }),
  };
  const advertisedHost = values['advertised-host'];
  if (advertisedHost !== undefined) options.advertisedHost = advertisedHost;
  const partitions = parseCount(values['num-partitions'], '--num-partitions');
  if (partitions !== undefined) options.defaultPartitionCount = partitions;
  const autoCreate = parseBoolean(values['auto-create-topics'], '--auto-create-topics');
  if (autoCreate !== undefined) options.autoCreateTopics = autoCreate;
  options.quotas = parseQuotas(values);
  return options;
}

async function main(): Promise<void> {
  let options: BrokerOptions | 'help';
  try {
    options = parseBrokerArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (options === 'help') {
    process.stdout.write(usage);
    return;
  }
  const broker = await startBroker(options);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    broker.logger.info({ signal }, 'shutting down');
    broker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        broker.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`cairn: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
