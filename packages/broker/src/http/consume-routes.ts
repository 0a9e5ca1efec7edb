/**
 * GET /topics/:topic/partitions/:partition/records: read one partition.
 *
 * Query: offset=N (default: logStartOffset) or timestamp=ms (the first record at or after
 * it, found through the time index as ListOffsets does), maxRecords, maxBytes (stored batch
 * bytes), waitMs (long poll: wait up to this long for a record when there is none, woken by
 * appends as Fetch is), format=json|text|base64 (record-formats.ts).
 *
 * Answers { records, nextOffset, highWatermark, logStartOffset }; read on from nextOffset.
 * An offset below logStartOffset or above logEndOffset is 416 OFFSET_OUT_OF_RANGE, as Fetch
 * answers OFFSET_OUT_OF_RANGE; a timestamp after every record gives no records and
 * nextOffset = highWatermark.
 */
import type { FastifyInstance } from 'fastify';
import {
  fetchWaitMsMax,
  httpConsumeBytesDefault,
  httpConsumeBytesMax,
  httpConsumeRecordsDefault,
  httpConsumeRecordsMax,
} from '../constants.js';
import { httpError } from './http-errors.js';
import type { HttpContext } from './http-server.js';
import { readPartitionRecordsWaiting } from './partition-reader.js';
import { consumedRecord } from './record-formats.js';
import {
  consumedRecordSchema,
  errorResponses,
  offsetSchema,
  type RecordFormat,
  recordFormats,
  topicNameSchema,
} from './schemas.js';
import { requireTopic } from './topic-routes.js';

export const readLimitsQuerySchema = {
  maxRecords: {
    type: 'integer',
    minimum: 1,
    maximum: httpConsumeRecordsMax,
    default: httpConsumeRecordsDefault,
  },
  maxBytes: {
    type: 'integer',
    minimum: 1,
    maximum: httpConsumeBytesMax,
    default: httpConsumeBytesDefault,
    description: 'stored batch bytes; at least one batch is read even when larger',
  },
  waitMs: {
    type: 'integer',
    minimum: 0,
    maximum: fetchWaitMsMax,
    default: 0,
    description: 'long poll: wait up to this long for a record',
  },
  format: { type: 'string', enum: recordFormats, default: 'json' },
} as const;

export interface ReadLimitsQuery {
  maxRecords: number;
  maxBytes: number;
  waitMs: number;
  format: RecordFormat;
}

interface PartitionParams {
  topic: string;
  partition: number;
}

interface ConsumeQuery extends ReadLimitsQuery {
  offset?: number;
  timestamp?: number;
}

const consumeResponseSchema = {
  type: 'object',
  required: ['records', 'nextOffset', 'highWatermark', 'logStartOffset'],
  properties: {
    records: { type: 'array', items: consumedRecordSchema },
    nextOffset: { type: 'integer' },
    highWatermark: { type: 'integer' },
    logStartOffset: { type: 'integer' },
  },
} as const;

export function registerConsumeRoutes(app: FastifyInstance, context: HttpContext): void {
  app.get<{ Params: PartitionParams; Querystring: ConsumeQuery }>(
    '/topics/:topic/partitions/:partition/records',
    {
      schema: {
        tags: ['records'],
        summary: 'Read records of a partition from an offset or a time',
        params: {
          type: 'object',
          required: ['topic', 'partition'],
          properties: { topic: topicNameSchema, partition: { type: 'integer', minimum: 0 } },
          additionalProperties: false,
        },
        querystring: {
          type: 'object',
          properties: {
            offset: offsetSchema,
            timestamp: { ...offsetSchema, description: 'ms since the epoch' },
            ...readLimitsQuerySchema,
          },
          additionalProperties: false,
        },
        response: { 200: consumeResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { registry, waiters, shutdownSignal } = context.services();
      const { topic: name, partition } = request.params;
      const topic = requireTopic(registry, name);
      const log = topic.partitions[partition];
      if (log === undefined) {
        throw httpError(
          404,
          'UNKNOWN_TOPIC_OR_PARTITION',
          `topic '${name}' has no partition ${partition} (it has ${topic.partitions.length})`,
        );
      }
      const query = request.query;
      if (query.offset !== undefined && query.timestamp !== undefined) {
        throw httpError(400, 'INVALID_REQUEST', 'give offset or timestamp, not both');
      }
      let offset = query.offset ?? log.logStartOffset;
      if (query.timestamp !== undefined) {
        const found = await log.offsetForTimestamp(query.timestamp);
        offset = found?.offset ?? log.highWatermark;
      }
      const read = await readPartitionRecordsWaiting(log, offset, query, {
        waiters,
        waitMs: query.waitMs,
        signal: shutdownSignal,
      });
      return {
        records: read.records.map((record) => consumedRecord(partition, record, query.format)),
        nextOffset: read.nextOffset,
        highWatermark: read.highWatermark,
        logStartOffset: read.logStartOffset,
      };
    },
  );
}
