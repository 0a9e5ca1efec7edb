/**
 * Turns a request frame into a response frame: header, version check, decode, handler,
 * encode. This is the one place where internal errors become Kafka error codes:
 *   - KafkaError thrown by a handler    -> the handler's error response with that code
 *   - any other Error                   -> UNKNOWN_SERVER_ERROR (logged)
 *   - AssertionError                    -> rethrown (our bug: the process crashes)
 *   - a frame that does not parse, an unknown API key or an unsupported version (other than
 *     ApiVersions, which gets UNSUPPORTED_VERSION in a v0 body as KIP-511 says) -> rejected,
 *     and the connection closes, as Kafka does with an InvalidRequestException.
 */
import {
  type AnyApi,
  API_VERSIONS_KEY,
  apiVersionsApi,
  decodeRequestHeader,
  ErrorCode,
  encodeResponseHeader,
  isAssertionError,
  isFlexible,
  isKafkaError,
  Reader,
  type RequestHeader,
  responseHeaderIsFlexible,
  supportsVersion,
  Writer,
} from '@cairn/protocol';
import type { Logger } from 'pino';
import { responseErrorCode } from './metrics/response-error-code.js';
import { type ConnectionInfo, type ResponseBytes, responseParts } from './network/connection.js';
import type { BrokerProbe } from './probe.js';

export interface RequestContext {
  readonly header: RequestHeader;
  readonly connection: ConnectionInfo;
  /**
   * Runs `callback` once the response has been written to the socket (at once when there is
   * none): a handler whose response refers to borrowed buffers gives them back then. Not run
   * when the connection fails first.
   */
  onResponseWritten(callback: () => void): void;
}

/** One row of the dispatch table: an API, its handler, and how it reports a whole failure. */
export interface ApiHandler<Request, Response> {
  readonly api: AnyApi;
  /** Returns the response, or null when the client expects none (Produce with acks=0). */
  handle(request: Request, context: RequestContext): Response | null | Promise<Response | null>;
  /** The response that reports `errorCode` for every part of `request`. */
  errorResponse(request: Request, errorCode: number): Response;
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds handlers of every API's types
export type AnyApiHandler = ApiHandler<any, any>;

export class RequestRejected extends Error {
  override readonly name = 'RequestRejected';
}

export function createDispatcher(
  handlers: readonly AnyApiHandler[],
  logger: Logger,
  probe: BrokerProbe,
) {
  const table = new Map<number, AnyApiHandler>(handlers.map((h) => [h.api.apiKey, h]));

  return async function dispatch(
    frame: Buffer,
    connection: ConnectionInfo,
  ): Promise<ResponseBytes | null> {
    const reader = new Reader(frame);
    const header = decodeRequestHeader(reader);
    const handler = table.get(header.apiKey);
    if (handler === undefined) {
      throw new RequestRejected(`unknown API key ${header.apiKey} v${header.apiVersion}`);
    }
    const { api } = handler;
    if (!supportsVersion(api, header.apiVersion)) {
      if (header.apiKey === API_VERSIONS_KEY) return unsupportedApiVersions(header);
      throw new RequestRejected(
        `${api.name} v${header.apiVersion} unsupported (${api.minVersion}-${api.maxVersion})`,
      );
    }
    const flexible = isFlexible(api, header.apiVersion);
    if (flexible) reader.readTaggedFields();
    const request: unknown = api.decodeRequest(reader, header.apiVersion);
    const whenWritten: Array<() => void> = [];
    const context: RequestContext = {
      header,
      connection,
      onResponseWritten: (callback) => whenWritten.push(callback),
    };
    const startedAt = performance.now();
    const response = await handleSafely(handler, request, context, logger);
    const seconds = (performance.now() - startedAt) / 1000;
    probe.recordRequest(api.name, responseErrorCode(response), seconds);
    if (response === null) {
      runAll(whenWritten);
      return null;
    }
    const bytes = encodeResponse(api, header, flexible, response);
    if (whenWritten.length === 0) return bytes;
    return { parts: responseParts(bytes), onWritten: () => runAll(whenWritten) };
  };
}

function runAll(callbacks: readonly (() => void)[]): void {
  for (const callback of callbacks) callback();
}

async function handleSafely(
  handler: AnyApiHandler,
  request: unknown,
  context: RequestContext,
  logger: Logger,
): Promise<unknown> {
  try {
    return await handler.handle(request, context);
  } catch (error) {
    if (isAssertionError(error)) throw error;
    if (isKafkaError(error)) return handler.errorResponse(request, error.errorCode);
    logger.error({ err: error, api: handler.api.name }, 'request failed');
    return handler.errorResponse(request, ErrorCode.UNKNOWN_SERVER_ERROR);
  }
}

function encodeResponse(
  api: AnyApi,
  header: RequestHeader,
  flexible: boolean,
  response: unknown,
): ResponseBytes {
  const writer = new Writer();
  const sizePosition = writer.reserveInt32();
  encodeResponseHeader(
    writer,
    header.correlationId,
    responseHeaderIsFlexible(header.apiKey, flexible),
  );
  api.encodeResponse(writer, header.apiVersion, response);
  writer.patchInt32(sizePosition, writer.byteLength - 4);
  // Parts when the response holds buffers by reference (a fetch's batches): written with writev.
  const parts = writer.finishParts();
  return parts.length === 1 ? parts[0]! : parts;
}

/** KIP-511: a v0 body with UNSUPPORTED_VERSION and the ApiVersions range we do support. */
function unsupportedApiVersions(header: RequestHeader): ResponseBytes {
  return encodeResponse(apiVersionsApi, { ...header, apiVersion: 0 }, false, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: [
      {
        apiKey: API_VERSIONS_KEY,
        minVersion: apiVersionsApi.minVersion,
        maxVersion: apiVersionsApi.maxVersion,
      },
    ],
    throttleTimeMs: 0,
  });
}
