/**
 * Errors of the HTTP API, and the one place where an error becomes an HTTP status and a body.
 * Every error answer is `{ error, message }`: `error` a stable code (a Kafka error name such as
 * UNKNOWN_TOPIC_OR_PARTITION, or one of the HTTP codes below), `message` the problem in words,
 * naming the value that was refused.
 *
 *   thrown                                         status  error
 *   HttpError                                      its own its own
 *   KafkaError (log, registry, coordinator)        statusOfKafkaError  the Kafka name
 *   fastify: schema validation                     400     INVALID_REQUEST
 *   fastify: malformed or empty JSON               400     INVALID_JSON
 *   fastify: body over the limit                   413     BODY_TOO_LARGE
 *   fastify: content type without a parser         415     UNSUPPORTED_MEDIA_TYPE
 *   router: a path parameter over its length       414     URI_TOO_LONG
 *   router: a URL that does not decode             400     INVALID_REQUEST
 *   anything else                                  500     INTERNAL_ERROR (logged)
 *   AssertionError                                 our bug: the process crashes (STYLE.md)
 */
import {
  type ErrorName,
  errorName,
  isAssertionError,
  isKafkaError,
  type KafkaError,
} from '@cairn/protocol';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpPathParamLengthMax } from '../constants.js';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    /** Sent as Retry-After (whole seconds, rounded up) with a 503: when to try again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function httpError(statusCode: number, error: string, message: string): HttpError {
  return new HttpError(statusCode, error, message);
}

export interface ErrorBody {
  error: string;
  message: string;
}

/** Kafka error names whose HTTP status is not 400; everything unlisted is a client's 400. */
const kafkaStatuses: Partial<Record<ErrorName, number>> = {
  UNKNOWN_TOPIC_OR_PARTITION: 404,
  GROUP_ID_NOT_FOUND: 404,
  UNKNOWN_MEMBER_ID: 404,
  TOPIC_ALREADY_EXISTS: 409,
  NON_EMPTY_GROUP: 409,
  REBALANCE_IN_PROGRESS: 409,
  ILLEGAL_GENERATION: 409,
  INCONSISTENT_GROUP_PROTOCOL: 409,
  FENCED_INSTANCE_ID: 409,
  GROUP_MAX_SIZE_REACHED: 409,
  TOPIC_AUTHORIZATION_FAILED: 403,
  GROUP_AUTHORIZATION_FAILED: 403,
  OFFSET_OUT_OF_RANGE: 416,
  MESSAGE_TOO_LARGE: 413,
  RECORD_LIST_TOO_LARGE: 413,
  REQUEST_TIMED_OUT: 503,
  KAFKA_STORAGE_ERROR: 503,
  NOT_ENOUGH_REPLICAS: 503,
  COORDINATOR_LOAD_IN_PROGRESS: 503,
  COORDINATOR_NOT_AVAILABLE: 503,
  NOT_COORDINATOR: 503,
  THROTTLING_QUOTA_EXCEEDED: 503,
  POLICY_VIOLATION: 409,
  UNKNOWN_SERVER_ERROR: 500,
};

export function statusOfKafkaError(code: number): number {
  return kafkaStatuses[errorName(code) as ErrorName] ?? 400;
}

/** An error answer for a Kafka error code a coordinator or log result carried. */
export function kafkaCodeError(code: number, message: string): HttpError {
  return httpError(statusOfKafkaError(code), errorName(code), message);
}

function fromKafkaError(error: KafkaError): HttpError {
  return httpError(statusOfKafkaError(error.errorCode), error.errorName, error.message);
}

const fastifyErrors: Readonly<Record<string, string>> = {
  FST_ERR_VALIDATION: 'INVALID_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_REQUEST',
  FST_ERR_BAD_URL: 'INVALID_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** Turns anything a route threw into its status and body. */
export function toHttpError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (isKafkaError(error)) return fromKafkaError(error);
  const fastifyError = error as Partial<FastifyError>;
  const code = fastifyError.code === undefined ? undefined : fastifyErrors[fastifyError.code];
  if (code !== undefined) {
    return httpError(fastifyError.statusCode ?? 400, code, describeFastifyError(fastifyError));
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return httpError(status, 'INVALID_REQUEST', fastifyError.message ?? 'bad request');
  }
  return null;
}

function describeFastifyError(error: Partial<FastifyError>): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return `request body is larger than the limit of this route`;
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return 'unsupported content type: send application/json';
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return `a path parameter is longer than ${httpPathParamLengthMax} characters`;
  }
  return error.message ?? 'bad request';
}

interface SchemaError {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * fastify's schemaErrorFormatter: ajv's message, completed with what it leaves out (the name
 * of an unknown property, the allowed values), e.g. "body/records/0 must NOT have additional
 * properties: 'extra'".
 */
export function formatSchemaErrors(errors: readonly SchemaError[], dataVar: string): Error {
  const text = errors
    .map((error) => {
      const where = `${dataVar}${error.instancePath}`;
      const { additionalProperty, allowedValues } = error.params;
      let detail = '';
      if (typeof additionalProperty === 'string') detail = `: '${additionalProperty}'`;
      if (Array.isArray(allowedValues)) {
        // acks allows 1 and '1' alike: name each value once.
        detail = `: ${[...new Set(allowedValues.map(String))].join(', ')}`;
      }
      return `${where} ${error.message ?? 'is invalid'}${detail}`;
    })
    .join('; ');
  return new Error(text);
}

/** fastify's frameworkErrors: errors of the router, before any route or hook runs. */
export function frameworkErrorHandler(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = toHttpError(error) ?? httpError(400, 'INVALID_REQUEST', error.message);
  void reply.code(known.statusCode).send({ error: known.error, message: known.message });
}

/** Installs the error and not-found handlers on the root instance (before any route). */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    if (isAssertionError(error)) {
      // Our own mistake: crash, as the Kafka dispatcher does; recovery on restart is the path.
      request.log.fatal({ err: error }, 'assertion failed in an HTTP route');
      setImmediate(() => {
        throw error;
      });
      return reply.code(500).send({ error: 'INTERNAL_ERROR', message: 'assertion failed' });
    }
    const known = toHttpError(error);
    if (known === null) {
      request.log.error({ err: error, url: request.url }, 'HTTP request failed');
      return reply
        .code(500)
        .send({ error: 'INTERNAL_ERROR', message: (error as Error).message ?? String(error) });
    }
    if (known.retryAfterMs !== undefined) {
      // A quota or budget refusal is the broker working as configured: counted in the metrics
      // (cairn_http_requests_total), not worth a line per request under load.
      request.log.debug({ error: known.error }, known.message);
      void reply.header('retry-after', String(Math.max(1, Math.ceil(known.retryAfterMs / 1000))));
    } else if (known.statusCode >= 500) {
      request.log.warn({ err: error }, 'HTTP request refused');
    }
    return reply.code(known.statusCode).send({ error: known.error, message: known.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url}` }),
  );
}
