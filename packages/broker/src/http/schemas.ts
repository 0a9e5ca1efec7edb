/**
 * JSON schemas shared by the HTTP routes: fastify validates requests with them (ajv) and
 * serializes responses with them (fast-json-stringify), and @fastify/swagger publishes them
 * in the OpenAPI document. Route files keep their own request schemas beside the handler;
 * the pieces here are those several routes use. Every schema is a plain `as const` object.
 */
import { httpIdLengthMax, topicNameLengthMax } from '../constants.js';

export const errorSchema = {
  type: 'object',
  description: 'Every 4xx and 5xx answer: a stable code and the problem in words',
  required: ['error', 'message'],
  properties: {
    error: {
      type: 'string',
      description: 'a Kafka error name (UNKNOWN_TOPIC_OR_PARTITION) or an HTTP code',
    },
    message: { type: 'string' },
  },
} as const;

/** The error answers every route may give, for its `response` schema. */
export const errorResponses = {
  400: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  416: errorSchema,
  500: errorSchema,
  503: errorSchema,
} as const;

export const topicNameSchema = {
  type: 'string',
  minLength: 1,
  maxLength: topicNameLengthMax,
  pattern: '^[a-zA-Z0-9._-]+$',
} as const;

/** Group ids: any non-empty string Kafka would take, bounded so paths stay reasonable. */
export const groupIdSchema = { type: 'string', minLength: 1, maxLength: httpIdLengthMax } as const;

export const memberIdSchema = { type: 'string', minLength: 1, maxLength: httpIdLengthMax } as const;

export const topicParamsSchema = {
  type: 'object',
  required: ['topic'],
  properties: { topic: topicNameSchema },
  additionalProperties: false,
} as const;

export const groupParamsSchema = {
  type: 'object',
  required: ['group'],
  properties: { group: groupIdSchema },
  additionalProperties: false,
} as const;

export const memberParamsSchema = {
  type: 'object',
  required: ['group', 'member'],
  properties: { group: groupIdSchema, member: memberIdSchema },
  additionalProperties: false,
} as const;

/** A whole offset; Cairn's offsets are safe integers (STYLE.md). */
export const offsetSchema = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

/** Record formats: how values (and, with base64, keys and header values) are carried in JSON. */
export const recordFormats = ['json', 'text', 'base64'] as const;
export type RecordFormat = (typeof recordFormats)[number];

export const recordHeaderSchema = {
  type: 'object',
  required: ['key'],
  properties: {
    key: { type: 'string' },
    value: { type: ['string', 'null'] },
  },
  additionalProperties: false,
} as const;

/** A record as the consume routes answer it. */
export const consumedRecordSchema = {
  type: 'object',
  required: ['partition', 'offset', 'timestamp', 'key', 'value', 'headers', 'format'],
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    offset: { type: 'integer' },
    timestamp: { type: 'integer', description: 'ms since the epoch' },
    key: { type: ['string', 'null'] },
    value: {
      description: 'parsed JSON under json, a string under text and base64, null for none',
    },
    headers: { type: 'array', items: recordHeaderSchema },
    format: {
      type: 'string',
      enum: recordFormats,
      description: 'how value is given: json falls back to text for a value that is not JSON',
    },
  },
} as const;

export const configsSchema = {
  type: 'object',
  description: 'topic configs under Kafka\'s names, e.g. { "retention.ms": "60000" }',
  additionalProperties: { type: 'string' },
} as const;

export const topicPartitionSchema = {
  type: 'object',
  required: ['topic', 'partitions'],
  properties: {
    topic: { type: 'string' },
    partitions: { type: 'array', items: { type: 'integer' } },
  },
} as const;
