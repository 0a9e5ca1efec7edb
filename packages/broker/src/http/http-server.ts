/**
 * The broker's HTTP API (fastify): topics, produce, consume, groups and lag, health, and an
 * OpenAPI document at GET /openapi.json. Every route declares JSON schemas for its params,
 * querystring, body and responses; errors are `{ error, message }` (http-errors.ts).
 *
 * Lifecycle. startBroker creates the server and listens *before* it opens the data dir, so
 * /healthz answers at once and /readyz answers 503 until `attach(services)` is called (logs
 * opened, Kafka listener accepting); API routes answer 503 NOT_READY until then too, and
 * again once `close()` has begun.
 *
 * Adding routes and plugins (the metrics, quota and console helpers):
 *   - Routes, hooks and plugins go in an `HttpExtension`, a function given the root fastify
 *     instance and `services()`; pass it in `HttpServerOptions.extensions` (BrokerOptions
 *     `httpExtensions` in broker.ts). Extensions run after the API's routes are registered
 *     and before listen(), on the root instance (not encapsulated), so `app.addHook(...)`
 *     in one sees every route. Example: `(app, services) => app.get('/metrics', h)`.
 *     `services()` throws the 503 NOT_READY HttpError before attach, so a handler that calls
 *     it is refused until the broker is ready, without more code.
 *   - `/` and any path outside those listed in the README's HTTP section are free for the
 *     web console.
 *   - Produce admission (quotas, disk budget, in-flight bytes): set `HttpServices.produceGate`
 *     (ProduceGate below). It is asked once per produce request, after validation and before
 *     anything is appended; a refusal answers 503 with Retry-After (seconds, rounded up) and
 *     `{ error, message }`; nothing is appended.
 *
 * Tests build the server with `createHttpServer` and call `app.inject()`; startBroker's
 * `httpPort` listens on a real socket.
 */
import type { PartitionLog } from '@cairn/log';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { httpBodyBytesMax, httpPathParamLengthMax } from '../constants.js';
import type { GroupCoordinator } from '../groups/index.js';
import type { ProduceDeps } from '../handlers/produce.js';
import type { PartitionWaiters } from '../partition-waiters.js';
import type { TopicRegistry } from '../topics/topic-registry.js';
import { registerConsumeRoutes } from './consume-routes.js';
import { registerGroupMemberRoutes } from './group-member-routes.js';
import { registerGroupRoutes } from './group-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import {
  formatSchemaErrors,
  frameworkErrorHandler,
  httpError,
  installErrorHandlers,
} from './http-errors.js';
import { HttpGroupMembers } from './http-group-members.js';
import { installJsonParser } from './json-body.js';
import { openApiOptions, registerOpenApiRoute } from './openapi.js';
import { registerProduceRoutes } from './produce-routes.js';
import { registerTopicRoutes } from './topic-routes.js';

/** A refusal of a produce request by admission control: answered 503 with Retry-After. */
export interface ProduceRefusal {
  /** A stable code, e.g. 'DISK_BUDGET_EXCEEDED' or 'THROTTLING_QUOTA_EXCEEDED'. */
  readonly error: string;
  readonly message: string;
  readonly retryAfterMs: number;
}

/**
 * Admission of HTTP produce requests (quotas/produce-quotas.ts implements it for the broker).
 * `admit` is called once per request before anything is appended, with the bytes of its
 * encoded batches: null lets it through and charges those bytes (to the broker's in-flight
 * produce bytes and the client's byte rate), a refusal is answered 503 with Retry-After.
 * `release` is called with the same bytes once every append of an admitted request settled.
 * `clientId` is the request's `x-client-id` header, or `http:<remote address>` without one.
 */
export interface ProduceGate {
  admit(topic: string, clientId: string, batchBytes: number): ProduceRefusal | null;
  release(batchBytes: number): void;
}

/** What the routes use of the broker, available once it is ready. */
export interface HttpServices {
  readonly registry: TopicRegistry;
  readonly coordinator: GroupCoordinator;
  /** The Kafka Produce handler's dependencies: HTTP produce appends through the same code. */
  readonly produce: ProduceDeps;
  readonly waiters: PartitionWaiters<PartitionLog>;
  /** Aborted at shutdown: long polls answer at once. */
  readonly shutdownSignal: AbortSignal;
  /** Partitions of a topic created without a count. */
  readonly defaultPartitionCount: number;
  readonly produceGate?: ProduceGate;
}

/** What a route module is given: the services once ready, and the HTTP group members. */
export interface HttpContext {
  /** The broker's services; throws 503 NOT_READY before attach and after close began. */
  services(): HttpServices;
  members(): HttpGroupMembers;
  readonly isReady: () => boolean;
}

export type HttpExtension = (
  app: FastifyInstance,
  services: () => HttpServices,
) => void | Promise<void>;

export interface HttpServerOptions {
  readonly logger: Logger;
  readonly extensions?: readonly HttpExtension[];
}

export interface HttpAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
}

export interface HttpServer {
  readonly app: FastifyInstance;
  /**
   * Every route registered, as `METHOD /path/:param`, with whether the OpenAPI document hides
   * it (the console's files); fastify's implicit HEAD routes are left out.
   */
  readonly routes: ReadonlyArray<{ readonly route: string; readonly hidden: boolean }>;
  /** The broker is ready: routes serve from now on. */
  attach(services: HttpServices): void;
  listen(host: string, port: number): Promise<HttpAddress>;
  /** Refuses new API requests (503), ends long polls, closes members and the listener. */
  close(): Promise<void>;
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // One log line per request would cost more than a small produce: routes log failures.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: httpBodyBytesMax,
    // find-my-way's default of 100 characters would cut topic names (249) and group ids.
    routerOptions: { maxParamLength: httpPathParamLengthMax },
    // A URL the router cannot take (bad percent-encoding, a parameter over that length) is
    // answered in the API's own { error, message } shape, as every other error.
    frameworkErrors: frameworkErrorHandler,
    // Query strings: `?acks=all&offset=3`; ajv coerces the numbers, as fastify does by default.
    schemaErrorFormatter: (errors, dataVar) => formatSchemaErrors(errors, dataVar),
    ajv: { customOptions: { coerceTypes: true, removeAdditional: false, allErrors: false } },
  });
  let services: HttpServices | null = null;
  let members: HttpGroupMembers | null = null;
  let closing = false;
  const context: HttpContext = {
    services() {
      if (services === null || closing) {
        throw httpError(503, 'NOT_READY', 'the broker is starting or shutting down');
      }
      return services;
    },
    members() {
      context.services();
      return members!;
    },
    isReady: () => services !== null && !closing,
  };

  const routes: Array<{ route: string; hidden: boolean }> = [];
  app.addHook('onRoute', (options) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    const hidden = (options.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of methods) {
      if (method !== 'HEAD') routes.push({ route: `${method} ${options.url}`, hidden });
    }
  });
  installErrorHandlers(app);
  installJsonParser(app);
  await app.register(fastifySwagger, openApiOptions);
  registerHealthRoutes(app, context);
  registerTopicRoutes(app, context);
  registerProduceRoutes(app, context);
  registerConsumeRoutes(app, context);
  registerGroupRoutes(app, context);
  registerGroupMemberRoutes(app, context);
  registerOpenApiRoute(app);
  for (const extension of options.extensions ?? []) {
    await extension(app, () => context.services());
  }
  await app.ready();

  return {
    app,
    routes,
    attach(ready) {
      services = ready;
      members = new HttpGroupMembers({
        coordinator: ready.coordinator,
        registry: ready.registry,
        logger: options.logger,
      });
    },
    async listen(host, port) {
      await app.listen({ host, port });
      const address = app.server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      return { host, port: bound, url: `http://${urlHost}:${bound}` };
    },
    async close() {
      closing = true;
      members?.close();
      await app.close();
    },
  };
}

export interface StartedHttpServer {
  readonly server: HttpServer;
  readonly address: HttpAddress;
}

/** Creates the server and listens (startBroker calls it before opening the data dir). */
export async function startHttpServer(
  options: HttpServerOptions & { readonly host: string; readonly port: number },
): Promise<StartedHttpServer> {
  const server = await createHttpServer(options);
  try {
    const address = await server.listen(options.host, options.port);
    options.logger.info({ http: address.url }, 'HTTP API listening');
    return { server, address };
  } catch (error) {
    await server.close();
    throw error;
  }
}
