/**
 * POST /topics/:topic/records: produce a batch of records over HTTP.
 *
 * Body: { records: [{ key?, value, headers?: [{ key, value }], partition?, timestamp? }],
 *         valueFormat?: 'json' | 'text' | 'base64', acks? }; `acks` may also be a query
 * parameter (the query wins). acks is Kafka's: 0, 1, or all (-1), and defaults to `all`, the
 * Kafka producer's default since Kafka 3.0.
 *
 * Partitioning is Kafka's default partitioner: a record's own `partition`; else a keyed record
 * goes to murmur2(key) (the same partition a Java, librdkafka or kafkajs producer picks); else
 * all unkeyed records of the request go to one partition, the next in turn per request (the
 * sticky partitioner's batch-at-a-time behaviour).
 *
 * Each partition's records become one record batch (encodeRecordBatch, CreateTime, no
 * compression), appended through the Kafka Produce handler's own appendPartition: the same
 * validation, offsets, producer checks, counters and durability rule (acks=all answers after
 * the fsync, acks=1 once written, as Produce does). acks=0 is answered 202 as soon as the
 * appends are issued, with offset -1 per record, as a Kafka producer's acks=0 metadata.
 *
 * Answers 200 { offsets: [{ partition, offset }] }, one per record in request order. Limits:
 * httpBodyBytesMax per body and httpProduceRecordsMax records (413), the topic's
 * max.message.bytes per partition batch (413).
 */
import type { PartitionLog } from '@cairn/log';
import {
  ErrorCode,
  encodeRecordBatch,
  errorName,
  isAssertionError,
  keyPartition,
  type ProduceResponsePartition,
  type RecordInput,
} from '@cairn/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { httpProduceRecordsMax } from '../constants.js';
import { appendPartition } from '../handlers/produce.js';
import { isInternalTopic } from '../topics/topic-name.js';
import type { Topic } from '../topics/topic-registry.js';
import { HttpError, httpError, kafkaCodeError } from './http-errors.js';
import type { HttpContext, HttpServices } from './http-server.js';
import { stringBytes, valueBytes } from './record-formats.js';
import {
  errorResponses,
  offsetSchema,
  type RecordFormat,
  recordFormats,
  recordHeaderSchema,
  topicParamsSchema,
} from './schemas.js';
import { requireTopic } from './topic-routes.js';

type AcksParam = 'all' | '-1' | '0' | '1' | -1 | 0 | 1;
const acksValues: readonly AcksParam[] = ['all', '-1', '0', '1', -1, 0, 1];

interface ProducedRecord {
  key?: string | null;
  value: unknown;
  headers?: Array<{ key: string; value?: string | null }>;
  partition?: number;
  timestamp?: number;
}

interface ProduceBody {
  records: ProducedRecord[];
  valueFormat?: RecordFormat;
  acks?: AcksParam;
}

/** Header names and keys are bounded by the body limit; this bounds the count per record. */
const recordHeadersMax = 1_000;

const produceBodySchema = {
  type: 'object',
  required: ['records'],
  properties: {
    records: {
      type: 'array',
      minItems: 1,
      description: `at most ${httpProduceRecordsMax} records (413 above)`,
      items: {
        type: 'object',
        required: ['value'],
        properties: {
          key: { type: ['string', 'null'] },
          value: { description: 'any JSON under json; a string (or null) under text and base64' },
          headers: { type: 'array', maxItems: recordHeadersMax, items: recordHeaderSchema },
          partition: { type: 'integer', minimum: 0 },
          timestamp: offsetSchema,
        },
        additionalProperties: false,
      },
    },
    valueFormat: { type: 'string', enum: recordFormats, default: 'json' },
    acks: { enum: acksValues },
  },
  additionalProperties: false,
} as const;

const produceResponseSchema = {
  type: 'object',
  required: ['offsets'],
  properties: {
    offsets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['partition', 'offset'],
        properties: {
          partition: { type: 'integer' },
          offset: { type: 'integer', description: '-1 under acks=0' },
        },
      },
    },
  },
} as const;

/** One partition's share of the request: its batch and which request records it holds. */
interface PartitionBatch {
  partition: number;
  log: PartitionLog;
  recordIndexes: number[];
  batch: Buffer;
}

export function registerProduceRoutes(app: FastifyInstance, context: HttpContext): void {
  /** The partition of the next request's unkeyed records, per topic. */
  const stickyPartitions = new Map<string, number>();

  app.post<{ Params: { topic: string }; Querystring: { acks?: AcksParam }; Body: ProduceBody }>(
    '/topics/:topic/records',
    {
      schema: {
        tags: ['records'],
        summary: 'Produce records',
        params: topicParamsSchema,
        querystring: {
          type: 'object',
          properties: { acks: { enum: acksValues, description: '0, 1, or all (-1); default all' } },
          additionalProperties: false,
        },
        body: produceBodySchema,
        response: { 200: produceResponseSchema, 202: produceResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const services = context.services();
      const topic = requireTopic(services.registry, request.params.topic);
      const { records } = request.body;
      checkRequest(topic, records.length);
      const acks = acksNumber(request.query.acks ?? request.body.acks ?? 'all');
      const format = request.body.valueFormat ?? 'json';
      const sticky = (stickyPartitions.get(topic.name) ?? -1) + 1;
      stickyPartitions.set(topic.name, sticky % topic.partitions.length);
      const batches = partitionBatches(topic, records, format, sticky % topic.partitions.length);
      admit(services, topic.name, request, batches);
      // Every append is issued before the first await, in partition order (as Produce does).
      const pending = batches.map(({ partition, batch }) =>
        appendPartition(services.produce, topic.name, partition, batch, acks),
      );
      if (acks === 0) {
        for (const append of pending) append.catch(crashOnAssertion);
        return reply.code(202).send({ offsets: recordPartitions(records.length, batches) });
      }
      const results = await Promise.all(pending);
      return { offsets: recordOffsets(records.length, batches, results) };
    },
  );
}

function checkRequest(topic: Topic, recordCount: number): void {
  if (isInternalTopic(topic.name)) {
    throw httpError(
      403,
      'TOPIC_AUTHORIZATION_FAILED',
      `'${topic.name}' is an internal topic: only the broker writes it`,
    );
  }
  if (recordCount > httpProduceRecordsMax) {
    throw httpError(
      413,
      'TOO_MANY_RECORDS',
      `${recordCount} records in one request, more than the limit of ${httpProduceRecordsMax}`,
    );
  }
}

function acksNumber(acks: AcksParam): -1 | 0 | 1 {
  if (acks === 'all' || acks === '-1' || acks === -1) return -1;
  return acks === '0' || acks === 0 ? 0 : 1;
}

/** Groups the records by partition and encodes one batch per partition. */
function partitionBatches(
  topic: Topic,
  records: readonly ProducedRecord[],
  format: RecordFormat,
  stickyPartition: number,
): PartitionBatch[] {
  const partitionCount = topic.partitions.length;
  const groups = new Map<number, { indexes: number[]; inputs: RecordInput[] }>();
  records.forEach((record, index) => {
    const input = recordInput(record, format, index);
    let partition = record.partition;
    if (partition === undefined) {
      partition = input.key == null ? stickyPartition : keyPartition(input.key, partitionCount);
    } else if (partition >= partitionCount) {
      throw httpError(
        404,
        'UNKNOWN_TOPIC_OR_PARTITION',
        `records[${index}]: topic '${topic.name}' has no partition ${partition} ` +
          `(it has ${partitionCount})`,
      );
    }
    const group = groups.get(partition) ?? { indexes: [], inputs: [] };
    group.indexes.push(index);
    group.inputs.push(input);
    groups.set(partition, group);
  });
  return [...groups].map(([partition, { indexes, inputs }]) => {
    const log = topic.partitions[partition]!;
    const batch = encodeRecordBatch({ records: inputs });
    const { maxMessageBytes } = log.config;
    if (batch.length > maxMessageBytes) {
      throw httpError(
        413,
        'MESSAGE_TOO_LARGE',
        `the ${inputs.length} records for partition ${partition} make a batch of ` +
          `${batch.length} bytes, more than the topic's max.message.bytes=${maxMessageBytes}`,
      );
    }
    return { partition, log, recordIndexes: indexes, batch };
  });
}

function recordInput(record: ProducedRecord, format: RecordFormat, index: number): RecordInput {
  const keyFormat = format === 'base64' ? 'base64' : 'text';
  const input: RecordInput = {
    key:
      record.key === undefined || record.key === null
        ? null
        : stringBytes(record.key, keyFormat, `records[${index}].key`),
    value: valueBytes(record.value, format, `records[${index}].value`),
  };
  if (record.headers !== undefined) {
    input.headers = record.headers.map((header, headerIndex) => ({
      key: header.key,
      value:
        header.value === undefined || header.value === null
          ? null
          : stringBytes(header.value, keyFormat, `records[${index}].headers[${headerIndex}]`),
    }));
  }
  if (record.timestamp !== undefined) input.timestamp = record.timestamp;
  return input;
}

/** The admission gate (quotas, disk budget), before anything is appended. */
function admit(
  services: HttpServices,
  topic: string,
  request: FastifyRequest,
  batches: readonly PartitionBatch[],
): void {
  if (services.beforeProduce === undefined) return;
  const header = request.headers['x-client-id'];
  const clientId = typeof header === 'string' && header !== '' ? header : `http:${request.ip}`;
  const bytes = batches.reduce((sum, { batch }) => sum + batch.length, 0);
  const refusal = services.beforeProduce(topic, clientId.slice(0, 256), bytes);
  if (refusal === null) return;
  throw new HttpError(503, refusal.error, refusal.message, refusal.retryAfterMs);
}

/** acks=0: each record's partition, with offset -1 (no offsets are waited for). */
function recordPartitions(
  recordCount: number,
  batches: readonly PartitionBatch[],
): Array<{ partition: number; offset: number }> {
  const offsets = new Array<{ partition: number; offset: number }>(recordCount);
  for (const { partition, recordIndexes } of batches) {
    for (const recordIndex of recordIndexes) offsets[recordIndex] = { partition, offset: -1 };
  }
  return offsets;
}

function recordOffsets(
  recordCount: number,
  batches: readonly PartitionBatch[],
  results: readonly ProduceResponsePartition[],
): Array<{ partition: number; offset: number }> {
  const failed = batches
    .map((batch, index) => ({ batch, result: results[index]! }))
    .filter(({ result }) => result.errorCode !== ErrorCode.NONE);
  const first = failed[0];
  if (first !== undefined) {
    const written = batches.flatMap(({ partition }, index) => {
      const result = results[index]!;
      return result.errorCode === ErrorCode.NONE ? [`${partition} at ${result.baseOffset}`] : [];
    });
    throw kafkaCodeError(
      first.result.errorCode,
      `appending to partition ${first.batch.partition} failed: ` +
        `${errorName(first.result.errorCode)}` +
        (written.length === 0 ? '' : `; partitions written: ${written.join(', ')}`),
    );
  }
  const offsets = new Array<{ partition: number; offset: number }>(recordCount);
  batches.forEach(({ partition, recordIndexes }, batchIndex) => {
    const baseOffset = results[batchIndex]!.baseOffset;
    recordIndexes.forEach((recordIndex, position) => {
      offsets[recordIndex] = { partition, offset: baseOffset + position };
    });
  });
  return offsets;
}

function crashOnAssertion(error: unknown): void {
  if (isAssertionError(error)) {
    setImmediate(() => {
      throw error;
    });
  }
}
