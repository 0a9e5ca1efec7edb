/**
 * Topics over HTTP, through the same TopicRegistry the Kafka admin APIs use (so the same
 * validation, the same topics.json, the same errors):
 *
 *   GET    /topics                  list (internal topics with ?internal=true)
 *   POST   /topics                  create { name, partitions?, configs? }        201
 *   GET    /topics/:topic           describe: partitions with offsets and sizes, configs
 *   PATCH  /topics/:topic/configs   { set?: { name: value }, delete?: [name] }
 *   DELETE /topics/:topic           delete with its data                          204
 */
import type { FastifyInstance } from 'fastify';
import { partitionsPerTopicMax } from '../constants.js';
import type { ConfigOperation } from '../topics/topic-config.js';
import { describeTopicConfigs } from '../topics/topic-config.js';
import { refuseInternalTopic } from '../topics/topic-name.js';
import type { Topic, TopicRegistry } from '../topics/topic-registry.js';
import { httpError } from './http-errors.js';
import type { HttpContext } from './http-server.js';
import { configsSchema, errorResponses, topicNameSchema, topicParamsSchema } from './schemas.js';

const topicSummarySchema = {
  type: 'object',
  required: ['name', 'partitions', 'internal'],
  properties: {
    name: { type: 'string' },
    partitions: { type: 'integer', description: 'partition count' },
    internal: { type: 'boolean' },
  },
} as const;

const partitionDescriptionSchema = {
  type: 'object',
  required: ['partition', 'logStartOffset', 'logEndOffset', 'highWatermark', 'sizeBytes'],
  properties: {
    partition: { type: 'integer' },
    logStartOffset: { type: 'integer' },
    logEndOffset: { type: 'integer' },
    highWatermark: { type: 'integer' },
    sizeBytes: { type: 'integer' },
    segmentCount: { type: 'integer' },
  },
} as const;

const configEntrySchema = {
  type: 'object',
  required: ['name', 'value', 'source', 'isDefault'],
  properties: {
    name: { type: 'string' },
    value: { type: 'string' },
    source: { type: 'string', enum: ['topic', 'broker', 'default'] },
    isDefault: { type: 'boolean' },
  },
} as const;

const topicDescriptionSchema = {
  type: 'object',
  required: ['name', 'topicId', 'internal', 'partitions', 'configs'],
  properties: {
    name: { type: 'string' },
    topicId: { type: 'string', description: '16 bytes in hex' },
    internal: { type: 'boolean' },
    partitions: { type: 'array', items: partitionDescriptionSchema },
    configs: {
      type: 'array',
      description: 'every topic config, its effective value and where it comes from',
      items: configEntrySchema,
    },
  },
} as const;

interface TopicParams {
  topic: string;
}

interface CreateTopicBody {
  name: string;
  partitions?: number;
  configs?: Record<string, string>;
}

interface AlterConfigsBody {
  set?: Record<string, string>;
  delete?: string[];
}

export function describeTopic(registry: TopicRegistry, topic: Topic) {
  return {
    name: topic.name,
    topicId: topic.topicId.toString('hex'),
    internal: topic.internal,
    partitions: topic.partitions.map((log, partition) => ({
      partition,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      highWatermark: log.highWatermark,
      sizeBytes: log.sizeBytes,
      segmentCount: log.segmentCount,
    })),
    configs: describeTopicConfigs(registry.defaultLogConfig, topic.configs).map((entry) => ({
      name: entry.name,
      value: entry.value,
      source: entry.source,
      isDefault: entry.isDefault,
    })),
  };
}

export function requireTopic(registry: TopicRegistry, name: string): Topic {
  const topic = registry.topic(name);
  if (topic === undefined) {
    throw httpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `topic '${name}' does not exist`);
  }
  return topic;
}

export function registerTopicRoutes(app: FastifyInstance, context: HttpContext): void {
  app.get<{ Querystring: { internal?: boolean } }>(
    '/topics',
    {
      schema: {
        tags: ['topics'],
        summary: 'List topics',
        querystring: {
          type: 'object',
          properties: { internal: { type: 'boolean', default: false } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            required: ['topics'],
            properties: { topics: { type: 'array', items: topicSummarySchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { registry } = context.services();
      const topics = [...registry.topics()]
        .filter((topic) => request.query.internal === true || !topic.internal)
        .map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.length,
          internal: topic.internal,
        }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { topics };
    },
  );

  app.post<{ Body: CreateTopicBody }>(
    '/topics',
    {
      schema: {
        tags: ['topics'],
        summary: 'Create a topic',
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: topicNameSchema,
            partitions: { type: 'integer', minimum: 1, maximum: partitionsPerTopicMax },
            configs: configsSchema,
          },
          additionalProperties: false,
        },
        response: { 201: topicDescriptionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { registry, defaultPartitionCount } = context.services();
      const { name, partitions, configs } = request.body;
      refuseInternalTopic(name, 'create');
      const topic = await registry.createTopic(name, {
        partitionCount: partitions ?? defaultPartitionCount,
        configs: configs ?? {},
      });
      return reply.code(201).send(describeTopic(registry, topic));
    },
  );

  app.get<{ Params: TopicParams }>(
    '/topics/:topic',
    {
      schema: {
        tags: ['topics'],
        summary: 'Describe a topic: partitions with offsets and sizes, configs',
        params: topicParamsSchema,
        response: { 200: topicDescriptionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { registry } = context.services();
      return describeTopic(registry, requireTopic(registry, request.params.topic));
    },
  );

  app.patch<{ Params: TopicParams; Body: AlterConfigsBody }>(
    '/topics/:topic/configs',
    {
      schema: {
        tags: ['topics'],
        summary: 'Set or delete config overrides (IncrementalAlterConfigs)',
        params: topicParamsSchema,
        body: {
          type: 'object',
          properties: {
            set: configsSchema,
            delete: { type: 'array', items: { type: 'string' }, maxItems: 100 },
          },
          additionalProperties: false,
          minProperties: 1,
        },
        response: { 200: topicDescriptionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { registry } = context.services();
      const { topic: name } = request.params;
      requireTopic(registry, name);
      refuseInternalTopic(name, 'reconfigure');
      const operations: ConfigOperation[] = [
        ...Object.entries(request.body.set ?? {}).map(
          ([config, value]): ConfigOperation => ({ op: 'set', name: config, value }),
        ),
        ...(request.body.delete ?? []).map(
          (config): ConfigOperation => ({ op: 'delete', name: config }),
        ),
      ];
      const changed = await registry.alterConfigs(name, operations);
      return describeTopic(registry, changed);
    },
  );

  app.delete<{ Params: TopicParams }>(
    '/topics/:topic',
    {
      schema: {
        tags: ['topics'],
        summary: 'Delete a topic and its data',
        params: topicParamsSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { registry } = context.services();
      const { topic: name } = request.params;
      requireTopic(registry, name);
      refuseInternalTopic(name, 'delete');
      await registry.deleteTopic(name);
      return reply.code(204).send();
    },
  );
}
