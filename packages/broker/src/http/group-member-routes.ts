/**
 * Consuming as a member of a group over HTTP (the member lives in http-group-members.ts):
 *
 *   POST   /groups/:group/members                  join: { topics, sessionTimeoutMs?,
 *                                                  autoOffsetReset? } -> 201 { memberId, ... }
 *                                                  (404 for a topic that does not exist)
 *   GET    /groups/:group/members/:member/records  poll the assigned partitions
 *   POST   /groups/:group/members/:member/commit   commit { offsets? } (default: positions)
 *   DELETE /groups/:group/members/:member          leave                                 204
 *
 * Every request on a member restarts its session; a member not heard from for
 * sessionTimeoutMs leaves its group. The join answers once the member has its first
 * assignment, so it waits for the group's rebalance (group.initial.rebalance.delay.ms for a
 * new group, 3 s by default).
 */
import { ErrorCode, errorName, isKafkaError } from '@cairn/protocol';
import type { FastifyInstance } from 'fastify';
import { httpMemberTopicsMax } from '../constants.js';
import type { PartitionCommit } from '../groups/index.js';
import { type ReadLimitsQuery, readLimitsQuerySchema } from './consume-routes.js';
import { httpError, kafkaCodeError } from './http-errors.js';
import { type HttpGroupMember, positionKey } from './http-group-members.js';
import type { HttpContext, HttpServices } from './http-server.js';
import { type PartitionRecords, readPartitionRecords } from './partition-reader.js';
import { type ConsumedRecord, consumedRecord } from './record-formats.js';
import {
  consumedRecordSchema,
  errorResponses,
  groupParamsSchema,
  memberParamsSchema,
  offsetSchema,
  topicNameSchema,
  topicPartitionSchema,
} from './schemas.js';
import { requireTopic } from './topic-routes.js';

/** Kafka's session.timeout.ms default since 3.0. */
const sessionTimeoutMsDefault = 45_000;

const assignmentSchema = { type: 'array', items: topicPartitionSchema } as const;

const joinResponseSchema = {
  type: 'object',
  required: ['memberId', 'generationId', 'assignment'],
  properties: {
    memberId: { type: 'string' },
    generationId: { type: 'integer' },
    assignment: assignmentSchema,
  },
} as const;

const pollResponseSchema = {
  type: 'object',
  required: ['records', 'generationId', 'assignment'],
  properties: {
    records: { type: 'array', items: consumedRecordSchema },
    generationId: { type: 'integer' },
    assignment: {
      ...assignmentSchema,
      description: 'empty while the group rebalances (poll again)',
    },
  },
} as const;

const commitItemSchema = {
  type: 'object',
  required: ['topic', 'partition', 'offset'],
  properties: {
    topic: topicNameSchema,
    partition: { type: 'integer', minimum: 0 },
    offset: offsetSchema,
    metadata: { type: 'string' },
  },
  additionalProperties: false,
} as const;

interface JoinBody {
  topics: string[];
  sessionTimeoutMs?: number;
  autoOffsetReset?: 'earliest' | 'latest';
}

interface MemberParams {
  group: string;
  member: string;
}

interface CommitBody {
  offsets?: Array<{ topic: string; partition: number; offset: number; metadata?: string }>;
}

export function registerGroupMemberRoutes(app: FastifyInstance, context: HttpContext): void {
  app.post<{ Params: { group: string }; Body: JoinBody }>(
    '/groups/:group/members',
    {
      schema: {
        tags: ['members'],
        summary: 'Join a group as a consumer (assignor range); waits for the first assignment',
        params: groupParamsSchema,
        body: {
          type: 'object',
          required: ['topics'],
          properties: {
            topics: {
              type: 'array',
              minItems: 1,
              maxItems: httpMemberTopicsMax,
              uniqueItems: true,
              items: topicNameSchema,
            },
            sessionTimeoutMs: {
              type: 'integer',
              minimum: 1,
              maximum: 2 ** 31 - 1,
              default: sessionTimeoutMsDefault,
            },
            autoOffsetReset: {
              type: 'string',
              enum: ['earliest', 'latest'],
              default: 'latest',
              description: "where to start without a committed offset (Kafka's default latest)",
            },
          },
          additionalProperties: false,
        },
        response: { 201: joinResponseSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const members = context.members();
      // A Kafka consumer may subscribe to a topic before it exists; over HTTP a typo is
      // likelier than a topic still to come, so it is answered 404 rather than no partitions.
      const { registry } = context.services();
      for (const topic of request.body.topics) requireTopic(registry, topic);
      const member = await members.join({
        groupId: request.params.group,
        topics: request.body.topics,
        sessionTimeoutMs: request.body.sessionTimeoutMs ?? sessionTimeoutMsDefault,
        autoOffsetReset: request.body.autoOffsetReset ?? 'latest',
        clientHost: request.ip,
      });
      return reply.code(201).send({
        memberId: member.memberId,
        generationId: member.generationId,
        assignment: groupedAssignment(member),
      });
    },
  );

  app.get<{ Params: MemberParams; Querystring: ReadLimitsQuery }>(
    '/groups/:group/members/:member/records',
    {
      schema: {
        tags: ['members'],
        summary: "Poll records from the member's assigned partitions (also a heartbeat)",
        params: memberParamsSchema,
        querystring: {
          type: 'object',
          properties: readLimitsQuerySchema,
          additionalProperties: false,
        },
        response: { 200: pollResponseSchema, ...errorResponses },
      },
    },
    async (request) => {
      const services = context.services();
      const members = context.members();
      const member = members.acquire(request.params.group, request.params.member);
      try {
        const ready = await members.settled(member, request.query.waitMs);
        const records = ready ? await poll(services, context, member, request.query) : [];
        return {
          records,
          generationId: member.generationId,
          assignment: ready ? groupedAssignment(member) : [],
        };
      } finally {
        members.release(member);
      }
    },
  );

  app.post<{ Params: MemberParams; Body: CommitBody | undefined }>(
    '/groups/:group/members/:member/commit',
    {
      // The body is optional: none commits the positions.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['members'],
        summary: 'Commit offsets: the given ones, or the positions of every assigned partition',
        params: memberParamsSchema,
        body: {
          type: 'object',
          properties: { offsets: { type: 'array', maxItems: 10_000, items: commitItemSchema } },
          additionalProperties: false,
        },
        response: {
          200: {
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
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const services = context.services();
      const members = context.members();
      const member = members.acquire(request.params.group, request.params.member);
      try {
        return { offsets: await commit(services, member, request.body?.offsets) };
      } finally {
        members.release(member);
      }
    },
  );

  app.delete<{ Params: MemberParams }>(
    '/groups/:group/members/:member',
    {
      schema: {
        tags: ['members'],
        summary: 'Leave the group',
        params: memberParamsSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const members = context.members();
      const member = members.acquire(request.params.group, request.params.member);
      members.release(member);
      members.leave(member);
      return reply.code(204).send();
    },
  );
}

function groupedAssignment(member: HttpGroupMember) {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of member.assignment) {
    const partitions = byTopic.get(topic) ?? [];
    partitions.push(partition);
    byTopic.set(topic, partitions);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/**
 * Records from the assigned partitions, from each one's position, round robin from where
 * the last poll started; waits up to waitMs for the first record. A rebalance during the
 * poll drops what was read (the positions it would have moved are gone).
 */
async function poll(
  services: HttpServices,
  context: HttpContext,
  member: HttpGroupMember,
  query: ReadLimitsQuery,
): Promise<ConsumedRecord[]> {
  const deadline = Date.now() + query.waitMs;
  const generationId = member.generationId;
  const assignment = member.assignment;
  for (;;) {
    const records: ConsumedRecord[] = [];
    let bytesRead = 0;
    const start = member.nextPartitionIndex;
    for (let step = 0; step < assignment.length; step++) {
      if (records.length >= query.maxRecords || bytesRead >= query.maxBytes) break;
      const { topic, partition } = assignment[(start + step) % assignment.length]!;
      const limits = {
        maxRecords: query.maxRecords - records.length,
        maxBytes: query.maxBytes - bytesRead,
      };
      const read = await readAssigned(context, member, topic, partition, limits);
      if (read === null) continue;
      if (member.generationId !== generationId || member.removed) return [];
      member.positions.set(positionKey(topic, partition), read.nextOffset);
      bytesRead += read.bytesRead;
      for (const record of read.records) {
        records.push({ topic, ...consumedRecord(partition, record, query.format) });
      }
    }
    member.nextPartitionIndex = assignment.length === 0 ? 0 : (start + 1) % assignment.length;
    const remainingMs = deadline - Date.now();
    if (records.length > 0 || remainingMs <= 0 || services.shutdownSignal.aborted) return records;
    const logs = assignment.flatMap(({ topic, partition }) => {
      const log = services.registry.partitionLog(topic, partition);
      return log === undefined ? [] : [log];
    });
    await services.waiters.wait(logs, remainingMs, services.shutdownSignal);
    if (member.generationId !== generationId || member.removed) return [];
  }
}

/** One assigned partition from the member's position; out of range resets it. */
async function readAssigned(
  context: HttpContext,
  member: HttpGroupMember,
  topic: string,
  partition: number,
  limits: { maxRecords: number; maxBytes: number },
): Promise<PartitionRecords | null> {
  const log = context.services().registry.partitionLog(topic, partition);
  if (log === undefined) return null;
  const key = positionKey(topic, partition);
  const members = context.members();
  const position =
    member.positions.get(key) ?? members.initialPosition(member, log, topic, partition);
  try {
    return await readPartitionRecords(log, position, limits);
  } catch (error) {
    if (!isKafkaError(error) || error.errorCode !== ErrorCode.OFFSET_OUT_OF_RANGE) throw error;
    // Retention passed the position (or the log was truncated): reset as Kafka's consumer does.
    member.positions.delete(key);
    const reset =
      member.options.autoOffsetReset === 'earliest' ? log.logStartOffset : log.highWatermark;
    return readPartitionRecords(log, reset, limits);
  }
}

async function commit(
  services: HttpServices,
  member: HttpGroupMember,
  offsets: CommitBody['offsets'],
): Promise<Array<{ topic: string; partition: number; offset: number }>> {
  const wanted: Array<{ topic: string; partition: number; offset: number; metadata?: string }> =
    offsets ?? positionsOf(member);
  const commits: PartitionCommit[] = wanted.map((item) => ({
    topic: item.topic,
    partition: item.partition,
    offset: item.offset,
    leaderEpoch: -1,
    metadata: item.metadata ?? '',
  }));
  for (const { topic, partition } of commits) {
    if (services.registry.partitionLog(topic, partition) === undefined) {
      throw httpError(
        404,
        'UNKNOWN_TOPIC_OR_PARTITION',
        `topic '${topic}' has no partition ${partition}`,
      );
    }
  }
  const results = await services.coordinator.commitOffsets({
    groupId: member.groupId,
    generationId: member.generationId,
    memberId: member.memberId,
    groupInstanceId: null,
    partitions: commits,
  });
  const failed = results.find((result) => result.errorCode !== ErrorCode.NONE);
  if (failed !== undefined) throw commitError(failed.topic, failed.partition, failed.errorCode);
  return commits.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
}

function commitError(topic: string, partition: number, errorCode: number) {
  const rebalanced =
    errorCode === ErrorCode.REBALANCE_IN_PROGRESS ||
    errorCode === ErrorCode.ILLEGAL_GENERATION ||
    errorCode === ErrorCode.UNKNOWN_MEMBER_ID;
  const reason = rebalanced
    ? 'the group rebalanced; poll again (records read since the last commit come again)'
    : errorName(errorCode);
  return kafkaCodeError(errorCode, `commit of ${topic}-${partition} refused: ${reason}`);
}

function positionsOf(member: HttpGroupMember) {
  return member.assignment.flatMap(({ topic, partition }) => {
    const offset = member.positions.get(positionKey(topic, partition));
    return offset === undefined ? [] : [{ topic, partition, offset }];
  });
}
