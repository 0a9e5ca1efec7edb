/**
 * HTTP produce throughput beside Kafka-protocol produce throughput, in one run, against one
 * broker started by its CLI in a separate process (`npm run bench:http`).
 *
 *   Kafka:  kcat (librdkafka) produces `kafkaRecordCount` records of `recordBytes` bytes to
 *           partition 0 of one topic, timed from spawn to exit (every delivery report in).
 *   HTTP:   autocannon POSTs /topics/:topic/records, each body a batch of `recordsPerRequest`
 *           records of `recordBytes` bytes (text values), over `connections` keep-alive
 *           connections for `durationSeconds`; records/s = 2xx answers x records per request
 *           / seconds, checked against the topic's log end offset afterwards.
 *
 * Both use the same acks (1 by default: answered once written, so the number measures the
 * protocol and the broker's work rather than fsync), one partition, no compression.
 *
 * Expectation (back of the envelope): the broker appends a 100-record batch in well under
 * 100 us, so the Kafka path here is bounded by kcat and the broker's event loop at a few
 * hundred thousand records/s on one core. The HTTP path adds per request a JSON parse of
 * ~12 KB, a schema validation of 100 records, 100 record encodings (the broker builds the
 * batch) and an HTTP round trip: ~0.2-0.4 ms of CPU, i.e. 250k-500k records/s of CPU budget,
 * so HTTP batch produce should reach >= 40% of the Kafka rate (the target). The
 * machine is shared: read the ratio, not the absolute numbers.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startBrokerProcess } from './broker-process.js';
import { kcatProduce, kcatVersion } from './kcat.js';
import { writeRecordFile } from './record-file.js';

interface HttpBenchSettings {
  recordBytes: number;
  recordsPerRequest: number;
  kafkaRecordCount: number;
  connections: number;
  durationSeconds: number;
  acks: '1' | 'all';
}

const defaults: HttpBenchSettings = {
  recordBytes: 100,
  recordsPerRequest: 100,
  kafkaRecordCount: 500_000,
  connections: 8,
  durationSeconds: 10,
  acks: '1',
};

function settingsFromEnv(): HttpBenchSettings {
  const number = (name: string, fallback: number) => {
    const value = process.env[name];
    return value === undefined ? fallback : Number(value);
  };
  return {
    ...defaults,
    kafkaRecordCount: number('HTTP_BENCH_KAFKA_RECORDS', defaults.kafkaRecordCount),
    connections: number('HTTP_BENCH_CONNECTIONS', defaults.connections),
    durationSeconds: number('HTTP_BENCH_SECONDS', defaults.durationSeconds),
    acks: process.env.HTTP_BENCH_ACKS === 'all' ? 'all' : '1',
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function request(url: string, method: string, body?: unknown): Promise<unknown> {
  const init: RequestInit =
    body === undefined
      ? { method }
      : { method, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  const response = await fetch(url, init);
  const answer: unknown = await response.json();
  if (!response.ok)
    throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function logEndOffset(httpUrl: string, topic: string): Promise<number> {
  const described = (await request(`${httpUrl}/topics/${topic}`, 'GET')) as {
    partitions: Array<{ logEndOffset: number }>;
  };
  return described.partitions[0]?.logEndOffset ?? -1;
}

/** One request body: `recordsPerRequest` text records of `recordBytes` bytes. */
function produceBody(settings: HttpBenchSettings): string {
  const records = Array.from({ length: settings.recordsPerRequest }, (_, index) => ({
    value: String(index).padStart(12, '0').padEnd(settings.recordBytes, 'x'),
  }));
  return JSON.stringify({ valueFormat: 'text', records });
}

async function measureKafka(bootstrap: string, inputPath: string, settings: HttpBenchSettings) {
  const run = await kcatProduce({
    bootstrap,
    topic: 'kafka-produce',
    inputPath,
    settings: { acks: settings.acks === 'all' ? '-1' : '1' },
  });
  return { seconds: run.seconds, recordsPerSecond: settings.kafkaRecordCount / run.seconds };
}

async function measureHttp(httpUrl: string, settings: HttpBenchSettings) {
  const before = await logEndOffset(httpUrl, 'http-produce');
  const result = await autocannon({
    url: `${httpUrl}/topics/http-produce/records?acks=${settings.acks}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: produceBody(settings),
    connections: settings.connections,
    duration: settings.durationSeconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`HTTP: ${result.non2xx} answers not 2xx, ${result.errors} errors`);
  }
  const ok = result['2xx'];
  const records = ok * settings.recordsPerRequest;
  const after = await logEndOffset(httpUrl, 'http-produce');
  // Requests still in flight when the duration ends are appended but not counted.
  const uncounted = after - before - records;
  if (uncounted < 0 || uncounted > settings.connections * settings.recordsPerRequest) {
    throw new Error(`HTTP: ${ok} answers of 2xx but the log grew by ${after - before} records`);
  }
  const seconds = result.duration;
  return {
    seconds,
    requests: ok,
    recordsPerSecond: records / seconds,
    latencyMsP50: result.latency.p50,
    latencyMsP99: result.latency.p99,
  };
}

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  const workDir = await mkdtemp(join(tmpdir(), 'cairn-http-bench-'));
  const root = join(import.meta.dirname, '..', '..');
  const httpPort = await freePort();
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const inputPath = join(workDir, 'records.txt');
  await writeRecordFile(inputPath, settings.kafkaRecordCount, settings.recordBytes);
  const broker = await startBrokerProcess({
    scriptPath: join(root, 'packages', 'broker', 'dist', 'cli.js'),
    args: [
      '--data-dir',
      join(workDir, 'data'),
      '--kafka',
      '127.0.0.1:0',
      '--http',
      `127.0.0.1:${httpPort}`,
      '--log-level',
      'info',
    ],
    nodeArgs: [],
  });
  try {
    for (const topic of ['kafka-produce', 'http-produce']) {
      await request(`${httpUrl}/topics`, 'POST', { name: topic, partitions: 1 });
    }
    const cpuBefore = broker.cpuSeconds();
    const kafka = await measureKafka(broker.bootstrap, inputPath, settings);
    const cpuAfterKafka = broker.cpuSeconds();
    const http = await measureHttp(httpUrl, settings);
    const cpuAfterHttp = broker.cpuSeconds();
    const report = {
      settings,
      kcat: kcatVersion(),
      kafka: {
        ...kafka,
        brokerCpuMicrosecondsPerRecord:
          ((cpuAfterKafka - cpuBefore) * 1e6) / settings.kafkaRecordCount,
      },
      http: {
        ...http,
        brokerCpuMicrosecondsPerRecord:
          ((cpuAfterHttp - cpuAfterKafka) * 1e6) / (http.requests * settings.recordsPerRequest),
      },
      ratio: http.recordsPerSecond / kafka.recordsPerSecond,
    };
    const resultsDir = join(import.meta.dirname, '..', 'results');
    await mkdir(resultsDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const path = join(resultsDir, `http-${stamp}.json`);
    await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
    const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} records/s`;
    process.stdout.write(
      `acks=${settings.acks}, ${settings.recordBytes}-byte records\n` +
        `Kafka protocol (kcat):          ${rate(kafka.recordsPerSecond)}\n` +
        `HTTP, ${settings.recordsPerRequest} records/request:  ${rate(http.recordsPerSecond)} ` +
        `(p50 ${http.latencyMsP50} ms, p99 ${http.latencyMsP99} ms)\n` +
        `HTTP / Kafka: ${(report.ratio * 100).toFixed(0)}% (target >= 40%)\n` +
        `broker CPU per record: Kafka ${report.kafka.brokerCpuMicrosecondsPerRecord.toFixed(2)} ` +
        `us, HTTP ${report.http.brokerCpuMicrosecondsPerRecord.toFixed(2)} us\n` +
        `written to ${path}\n`,
    );
  } finally {
    await broker.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
