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
 * Each partition's records become one record batch (produce-batches.ts: CreateTime, no
 * compression, encoded straight from the parsed JSON), appended through the Kafka Produce handler's own appendPartition: the same
 * validation, offsets, producer checks, counters and durability rule (acks=all answers after
 * the fsync, acks=1 once written, as Produce does). acks=0 is answered 202 as soon as the
 * appends are issued, with offset -1 per record, as a Kafka producer's acks=0 metadata.
 *
 * Answers 200 { offsets: [{ partition, offset }] }, one per record in request order. Limits:
 * httpBodyBytesMax per body and httpProduceRecordsMax records (413), the topic's
 * max.message.bytes per partition batch (413).
 */
import {
  ErrorCode,
  errorName,
  isAssertionError,
  type ProduceResponsePartition,
} from '@cairn/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpClientIdLengthMax, httpProduceRecordsMax } from '../constants.js';
import { appendPartition } from '../handlers/produce.js';
import { isInternalTopic } from '../topics/topic-name.js';
import type { Topic } from '../topics/topic-registry.js';
import { HttpError, httpError, kafkaCodeError } from './http-errors.js';
import type { HttpContext, HttpServices } from './http-server.js';
import {
  encodeProduceBatches,
  type ProduceBatches,
  type ProducedRecord,
} from './produce-batches.js';
import {
  errorResponses,
  offsetSchema,
  type RecordFormat,
  recordFormats,
  recordHeaderSchema,
  topicParamsSchema,
} from './schemas.js';
import { requireTopic } from './topic-routes.js';

/** fastify sends a string as it is when its content type is set. */
const jsonContentType = 'application/json; charset=utf-8';

type AcksParam = 'all' | '-1' | '0' | '1' | -1 | 0 | 1;
const acksValues: readonly AcksParam[] = ['all', '-1', '0', '1', -1, 0, 1];

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
      const encoded = encodeProduceBatches(
        topic,
        records,
        format,
        sticky % topic.partitions.length,
      );
      const release = admit(services, topic.name, request, encoded.sizeBytes);
      // Every append is issued before the first await (as Produce does), so requests on one
      // connection are appended in the order they came.
      const settled = Promise.all(
        encoded.batches.map(({ partition, batch }) =>
          appendPartition(services.produce, topic.name, partition, batch, acks),
        ),
      );
      settled.then(release, release);
      if (acks === 0) {
        settled.catch(crashOnAssertion);
        return sendOffsets(reply.code(202), encoded, null);
      }
      return sendOffsets(reply, encoded, baseOffsets(encoded, await settled));
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

/**
 * The admission gate (quotas, disk budget, in-flight bytes), before anything is appended.
 * Returns what to call once the request's appends have settled.
 */
function admit(
  services: HttpServices,
  topic: string,
  request: FastifyRequest,
  sizeBytes: number,
): () => void {
  const gate = services.produceGate;
  if (gate === undefined) return noRelease;
  const header = request.headers['x-client-id'];
  const clientId = typeof header === 'string' && header !== '' ? header : `http:${request.ip}`;
  const refusal = gate.admit(topic, clientId.slice(0, httpClientIdLengthMax), sizeBytes);
  if (refusal !== null) {
    throw new HttpError(503, refusal.error, refusal.message, refusal.retryAfterMs);
  }
  return () => gate.release(sizeBytes);
}

function noRelease(): void {}

/** The baseOffset of each batch; throws the first partition's error, naming those written. */
function baseOffsets(
  encoded: ProduceBatches,
  results: readonly ProduceResponsePartition[],
): number[] {
  const failedIndex = results.findIndex((result) => result.errorCode !== ErrorCode.NONE);
  if (failedIndex >= 0) {
    const errorCode = results[failedIndex]!.errorCode;
    const written = encoded.batches.flatMap(({ partition }, index) => {
      const result = results[index]!;
      return result.errorCode === ErrorCode.NONE ? [`${partition} at ${result.baseOffset}`] : [];
    });
    throw kafkaCodeError(
      errorCode,
      `appending to partition ${encoded.batches[failedIndex]!.partition} failed: ` +
        `${errorName(errorCode)}` +
        (written.length === 0 ? '' : `; partitions written: ${written.join(', ')}`),
    );
  }
  return results.map((result) => result.baseOffset);
}

/**
 * Answers { offsets: [{ partition, offset }] } in request order (offset -1 without
 * `baseOffsets`, under acks=0). Written as JSON text directly: it is the one answer whose size
 * grows with the records, and an object per record for the serializer would cost more than
 * the text.
 */
function sendOffsets(
  reply: FastifyReply,
  encoded: ProduceBatches,
  batchBaseOffsets: readonly number[] | null,
): FastifyReply {
  const { batches, batchOf, offsetDeltaOf } = encoded;
  const prefixes = batches.map(({ partition }) => `{"partition":${partition},"offset":`);
  let text = '{"offsets":[';
  for (let index = 0; index < batchOf.length; index++) {
    const batchIndex = batchOf[index]!;
    const offset =
      batchBaseOffsets === null ? -1 : batchBaseOffsets[batchIndex]! + offsetDeltaOf[index]!;
    if (index !== 0) text += ',';
    text += `${prefixes[batchIndex]}${offset}}`;
  }
  text += ']}';
  return reply.type(jsonContentType).send(text);
}

function crashOnAssertion(error: unknown): void {
  if (isAssertionError(error)) {
    setImmediate(() => {
      throw error;
    });
  }
}
