/**
 * Consumer groups over HTTP, read from and changed through the broker's GroupCoordinator
 * (the same state the Kafka group APIs serve):
 *
 *   GET    /groups                       list with state and protocol type
 *   GET    /groups/:group                state, protocol, generation, members with assignments
 *   GET    /groups/:group/offsets        committed offsets and lag per partition, in records
 *                                        and in time
 *   POST   /groups/:group/offsets/reset  { topic, partitions?, to } for an Empty group
 *   DELETE /groups/:group                delete an Empty group and its offsets      204
 *
 * Time lag: now minus the timestamp of the record at the committed offset, i.e. how long the
 * oldest record the group has not consumed has waited. It is read from the one batch holding
 * that offset (found through the offset index; only that batch is decoded), never by scanning
 * the log. 0 when the group is caught up. No Kafka broker reports this natively.
 */

import type { PartitionLog } from '@cairn/log';
import {
  consumerProtocolType,
  decodeConsumerProtocolAssignment,
  ErrorCode,
  isProtocolError,
} from '@cairn/protocol';
import type { FastifyInstance } from 'fastify';
import type { GroupCoordinator, PartitionCommit } from '../groups/index.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { httpError, kafkaCodeError } from './http-errors.js';
import type { HttpContext } from './http-server.js';
import { recordTimestampAt } from './partition-reader.js';
import {
  errorResponses,
  groupParamsSchema,
  offsetSchema,
  topicNameSchema,
  topicPartitionSchema,
} from './schemas.js';
import { requireTopic } from './topic-routes.js';

const groupListingSchema = {
  type: 'object',
  required: ['groupId', 'state', 'protocolType'],
  properties: {
    groupId: { type: 'string' },
    state: { type: 'string' },
    protocolType: { type: 'string' },
  },
} as const;

const memberSchema = {
  type: 'object',
  required: ['memberId', 'clientId', 'clientHost', 'assignment'],
  properties: {
    memberId: { type: 'string' },
    groupInstanceId: { type: ['string', 'null'] },
    clientId: { type: 'string' },
    clientHost: { type: 'string' },
    assignment: {
      type: 'array',
      description: "decoded for protocol type 'consumer' once the group is Stable; else []",
      items: topicPartitionSchema,
    },
  },
} as const;

const groupDescriptionSchema = {
  type: 'object',
  required: ['groupId', 'state', 'protocolType', 'protocol', 'generationId', 'members'],
  properties: {
    groupId: { type: 'string' },
    state: {
      type: 'string',
      enum: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
    },
    protocolType: { type: 'string' },
    protocol: { type: 'string', description: "the chosen assignor, e.g. 'range'" },
    generationId: { type: 'integer' },
    leader: { type: ['string', 'null'] },
    members: { type: 'array', items: memberSchema },
  },
} as const;

const partitionLagSchema = {
  type: 'object',
  required: [
    'topic',
    'partition',
    'committedOffset',
    'metadata',
    'logEndOffset',
    'lag',
    'timeLagMs',
  ],
  properties: {
    topic: { type: 'string' },
    partition: { type: 'integer' },
    committedOffset: { type: 'integer' },
    metadata: { type: 'string' },
    logStartOffset: { type: ['integer', 'null'] },
    logEndOffset: {
      type: ['integer', 'null'],
      description: 'the high watermark; null when the partition no longer exists',
    },
    lag: { type: ['integer', 'null'], description: 'records not yet consumed' },
    timeLagMs: {
      type: ['integer', 'null'],
      description: 'now minus the timestamp of the record at the committed offset; 0 caught up',
    },
  },
} as const;

const resetTargetSchema = {
  description: "'earliest', 'latest', { offset } or { timestamp } (ms)",
  oneOf: [
    { type: 'string', enum: ['earliest', 'latest'] },
    {
      type: 'object',
      required: ['offset'],
      properties: { offset: offsetSchema },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['timestamp'],
      properties: { timestamp: offsetSchema },
      additionalProperties: false,
    },
  ],
} as const;

type ResetTarget = 'earliest' | 'latest' | { offset: number } | { timestamp: number };

interface ResetBody {
  topic: string;
  partitions?: number[];
  to: ResetTarget;
}

const offsetsResponseSchema = {
  type: 'object',
  required: ['offsets'],
  properties: {
    offsets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['topic', 'partition', 'offset'],
        properties: {
          topic: { type: 'string' },
          partition: { type: 'integer' },
          offset: { type: 'integer' },
        },
      },
    },
  },
} as const;

interface GroupParams {
  group: string;
}

export function registerGroupRoutes(app: FastifyInstance, context: HttpContext): void {
  app.get(
    '/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'List groups',
        response: {
          200: {
            type: 'object',
            required: ['groups'],
            properties: { groups: { type: 'array', items: groupListingSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const { coordinator } = context.services();
      const listed = coordinator.listGroups();
      if (listed.errorCode !== ErrorCode.NONE) {
        throw kafkaCodeError(listed.errorCode, 'the group coordinator cannot list groups now');
      }
      const groups = listed.groups
        .map((group) => ({
          groupId: group.groupId,
          state: group.groupState,
          protocolType: group.protocolType,
        }))
        .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
      return { groups };
    },
  );

  app.get<{ Params: GroupParams }>(
    '/groups/:group',
    {
      schema: {
        tags: ['groups'],
        summary: 'Describe a group: state, protocol, members and their assignments',
        params: groupParamsSchema,
        response: { 200: groupDescriptionSchema, ...errorResponses },
      },
    },
    async (request) => describeGroup(context.services().coordinator, request.params.group),
  );

  app.get<{ Params: GroupParams }>(
    '/groups/:group/offsets',
    {
      schema: {
        tags: ['groups'],
        summary: 'Committed offsets and lag per partition, in records and in time',
        params: groupParamsSchema,
        response: {
          200: {
            type: 'object',
            required: ['groupId', 'partitions'],
            properties: {
              groupId: { type: 'string' },
              partitions: { type: 'array', items: partitionLagSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { coordinator, registry } = context.services();
      const groupId = request.params.group;
      requireGroup(coordinator, groupId);
      return { groupId, partitions: await groupLag(coordinator, registry, groupId) };
    },
  );

  app.post<{ Params: GroupParams; Body: ResetBody }>(
    '/groups/:group/offsets/reset',
    {
      schema: {
        tags: ['groups'],
        summary: 'Reset the committed offsets of a topic (the group must be Empty)',
        params: groupParamsSchema,
        body: {
          type: 'object',
          required: ['topic', 'to'],
          properties: {
            topic: topicNameSchema,
            partitions: {
              type: 'array',
              items: { type: 'integer', minimum: 0 },
              description: 'default: every partition of the topic',
            },
            to: resetTargetSchema,
          },
          additionalProperties: false,
        },
        response: { 200: offsetsResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { coordinator, registry } = context.services();
      return resetOffsets(coordinator, registry, request.params.group, request.body);
    },
  );

  app.delete<{ Params: GroupParams }>(
    '/groups/:group',
    {
      schema: {
        tags: ['groups'],
        summary: 'Delete an Empty group and its committed offsets',
        params: groupParamsSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { coordinator } = context.services();
      const groupId = request.params.group;
      const [result] = await coordinator.deleteGroups([groupId]);
      const errorCode = result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (errorCode === ErrorCode.NON_EMPTY_GROUP) {
        throw kafkaCodeError(errorCode, `group '${groupId}' has members: it must be Empty`);
      }
      if (errorCode === ErrorCode.GROUP_ID_NOT_FOUND) {
        throw kafkaCodeError(errorCode, `group '${groupId}' does not exist`);
      }
      if (errorCode !== ErrorCode.NONE) {
        throw kafkaCodeError(errorCode, `deleting group '${groupId}' failed`);
      }
      return reply.code(204).send();
    },
  );
}

function requireGroup(coordinator: GroupCoordinator, groupId: string) {
  const group = coordinator.group(groupId);
  if (group === undefined || group.is('Dead')) {
    throw httpError(404, 'GROUP_ID_NOT_FOUND', `group '${groupId}' does not exist`);
  }
  return group;
}

function describeGroup(coordinator: GroupCoordinator, groupId: string) {
  const group = requireGroup(coordinator, groupId);
  const [description] = coordinator.describeGroups([groupId]);
  if (description === undefined || description.errorCode !== ErrorCode.NONE) {
    throw kafkaCodeError(
      description?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR,
      `describing group '${groupId}' failed`,
    );
  }
  const isConsumer = description.protocolType === consumerProtocolType;
  return {
    groupId,
    state: description.groupState,
    protocolType: description.protocolType,
    protocol: group.protocolName ?? '',
    generationId: group.generationId,
    leader: group.leaderId,
    members: description.members.map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      assignment: isConsumer ? decodeAssignment(member.memberAssignment) : [],
    })),
  };
}

function decodeAssignment(bytes: Buffer) {
  if (bytes.length === 0) return [];
  try {
    return decodeConsumerProtocolAssignment(bytes).assignedPartitions.map((assigned) => ({
      topic: assigned.topic,
      partitions: assigned.partitions,
    }));
  } catch (error) {
    if (isProtocolError(error)) return [];
    throw error;
  }
}

/** Committed offsets with lag in records and in time, per committed partition. */
export async function groupLag(
  coordinator: GroupCoordinator,
  registry: TopicRegistry,
  groupId: string,
) {
  const fetched = coordinator.fetchOffsets(groupId, null);
  if (fetched.errorCode !== ErrorCode.NONE) {
    throw kafkaCodeError(fetched.errorCode, `fetching the offsets of group '${groupId}' failed`);
  }
  const now = Date.now();
  const sorted = [...fetched.partitions].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
  return Promise.all(
    sorted.map(async ({ topic, partition, offset, metadata }) => {
      const log = registry.partitionLog(topic, partition);
      const base = { topic, partition, committedOffset: offset, metadata };
      if (log === undefined) {
        return { ...base, logStartOffset: null, logEndOffset: null, lag: null, timeLagMs: null };
      }
      const logEndOffset = log.highWatermark;
      const lag = Math.max(0, logEndOffset - Math.max(offset, log.logStartOffset));
      const timestamp = lag === 0 ? null : await recordTimestampAt(log, offset);
      return {
        ...base,
        logStartOffset: log.logStartOffset,
        logEndOffset,
        lag,
        timeLagMs: timestamp === null ? 0 : Math.max(0, now - timestamp),
      };
    }),
  );
}

async function resetOffsets(
  coordinator: GroupCoordinator,
  registry: TopicRegistry,
  groupId: string,
  body: ResetBody,
) {
  const group = coordinator.group(groupId);
  if (group !== undefined && !group.is('Empty')) {
    throw httpError(
      409,
      'NON_EMPTY_GROUP',
      `group '${groupId}' is ${group.state} with ${group.size} members: offsets can be reset ` +
        'only while it is Empty',
    );
  }
  const topic = requireTopic(registry, body.topic);
  const partitions = body.partitions ?? topic.partitions.map((_, partition) => partition);
  const commits: PartitionCommit[] = [];
  for (const partition of partitions) {
    const log = topic.partitions[partition];
    if (log === undefined) {
      throw httpError(
        404,
        'UNKNOWN_TOPIC_OR_PARTITION',
        `topic '${topic.name}' has no partition ${partition} (it has ${topic.partitions.length})`,
      );
    }
    const offset = await resetOffset(log, body.to);
    commits.push({ topic: topic.name, partition, offset, leaderEpoch: -1, metadata: '' });
  }
  const results = await coordinator.commitOffsets({
    groupId,
    generationId: -1,
    memberId: '',
    groupInstanceId: null,
    partitions: commits,
  });
  const failed = results.find((result) => result.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) {
    const status = failed.errorCode === ErrorCode.UNKNOWN_MEMBER_ID ? 409 : undefined;
    const error = kafkaCodeError(
      failed.errorCode,
      `resetting partition ${failed.partition} of group '${groupId}' failed (members joined?)`,
    );
    throw status === undefined ? error : httpError(status, 'NON_EMPTY_GROUP', error.message);
  }
  return {
    offsets: commits.map(({ topic: name, partition, offset }) => ({
      topic: name,
      partition,
      offset,
    })),
  };
}

async function resetOffset(log: PartitionLog, to: ResetTarget): Promise<number> {
  if (to === 'earliest') return log.logStartOffset;
  if (to === 'latest') return log.highWatermark;
  if ('offset' in to) return Math.min(Math.max(to.offset, log.logStartOffset), log.highWatermark);
  const found = await log.offsetForTimestamp(to.timestamp);
  return found?.offset ?? log.highWatermark;
}
