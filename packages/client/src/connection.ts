/**
 * One TCP connection to one broker (Kafka's NetworkClient + KafkaChannel for a single node).
 *
 * Request frame, as written:
 *   offset  width  field
 *   0       4      size           int32, bytes that follow
 *   4       2      apiKey
 *   6       2      apiVersion
 *   8       4      correlationId  this connection's counter
 *   12      2+n    clientId       string (never compact)
 *   ...            tagged fields  header v2 only (flexible API versions)
 *   ...            body           the API's encodeRequest
 * Responses are cut by response-frame-decoder.ts and matched by correlation id. A socket the
 * connection opens itself reads straight into the decoder (net's `onread`: a large response
 * lands in its own buffer without being copied again); one from a SocketFactory emits 'data'
 * chunks, which the decoder copies in.
 *
 * A frame goes out as parts in one writev (cork/uncork): the writer's own bytes, copied since
 * the writer is reused, and the buffers it took by reference (a Produce request's large
 * batches, straight from the producer's batch buffers), so batch bytes are never copied here.
 *
 * - Pipelined: up to `maxInflightRequests` requests are written before their answers come;
 *   more wait in a bounded queue (pendingRequestsPerConnectionMax) and go out as answers free
 *   the window, in the order send() was called. Kafka answers a connection's requests in order.
 * - A request that expects no response (Produce with acks=0) settles once the socket has
 *   written it; it holds a window slot until then, so a slow network pushes back.
 * - On connect the client asks ApiVersions (v3, falling back to what the broker says it
 *   supports) and `versionFor` picks the highest version both sides know.
 * - Timeouts: a request unanswered after its timeout fails with TimeoutError and the
 *   connection is closed (as Kafka does: its state is unknown, later answers are suspect);
 *   every other request on it fails with ConnectionError, which callers may retry.
 * - close() stops new requests, waits (bounded) for the accepted ones, then ends the socket.
 *   destroy() fails everything at once.
 */
import * as net from 'node:net';
import {
  type AnyApi,
  type Api,
  type ApiVersionRange,
  type ApiVersionsRequest,
  type ApiVersionsResponse,
  apiVersionsApi,
  ErrorCode,
  encodeRequestHeader,
  isFlexible,
  Reader,
  responseHeaderIsFlexible,
  Writer,
} from '@cairn/protocol';
import {
  clientIdDefault,
  clientSoftwareName,
  clientSoftwareVersion,
  closeGraceMsDefault,
  connectTimeoutMsDefault,
  inflightRequestsPerConnectionDefault,
  inflightRequestsPerConnectionMax,
  pendingRequestsPerConnectionMax,
  requestTimeoutMsDefault,
  requestWriterInitialBytes,
  requestWriterRetainBytes,
  responseBytesMax,
  responseOwnBufferBytesMin,
  responseStagingBytes,
} from './constants.js';
import {
  ClosedError,
  ConnectionError,
  clientErrorCode,
  KafkaClientError,
  TimeoutError,
} from './errors.js';
import { ResponseFrameDecoder } from './response-frame-decoder.js';

/** Opens the socket to a broker; tests use it to put a proxy in between. */
export type SocketFactory = (address: { host: string; port: number }) => net.Socket;

export interface ConnectionOptions {
  host: string;
  port: number;
  /** For messages: the broker's node id, when known. */
  nodeId?: number;
  clientId?: string;
  /** TCP connect and the ApiVersions exchange together. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxInflightRequests?: number;
  socketFactory?: SocketFactory;
  /** Called once when the connection is finished, however it ended. */
  onClose?: (connection: Connection, error: Error | undefined) => void;
}

export interface ConnectionRequestOptions {
  timeoutMs?: number;
  /** false for Produce with acks=0: the broker sends nothing back; resolves to undefined. */
  expectResponse?: boolean;
}

interface QueuedRequest {
  /** The frame as parts written back to back: large produce batches are not copied. */
  readonly frame: Buffer[];
  readonly correlationId: number;
  readonly api: AnyApi;
  readonly version: number;
  readonly expectResponse: boolean;
  readonly timeoutMs: number;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** The ApiVersions request this client sends: v3 names the client software (KIP-511). */
const apiVersionsRequest: ApiVersionsRequest = {
  clientSoftwareName,
  clientSoftwareVersion,
};

/**
 * ApiVersions whose decoder falls back to v0 when the broker answers UNSUPPORTED_VERSION: a
 * broker that does not know the version asked answers with a v0 body (KIP-511).
 */
const apiVersionsWithFallback: Api<ApiVersionsRequest, ApiVersionsResponse> = {
  ...apiVersionsApi,
  decodeResponse(reader, version) {
    reader.need(2);
    const errorCode = reader.buffer.readInt16BE(reader.position);
    const bodyVersion = errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version;
    return apiVersionsApi.decodeResponse(reader, bodyVersion);
  },
};

export class Connection {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number | undefined;
  /** The broker's version range by API key, from ApiVersions. */
  readonly apiVersions = new Map<number, ApiVersionRange>();

  private readonly socket: net.Socket;
  private readonly clientId: string;
  private readonly requestTimeoutMs: number;
  private readonly maxInflightRequests: number;
  private readonly onClose: ConnectionOptions['onClose'];
  private readonly decoder: ResponseFrameDecoder;
  private readonly onFrameBound = (frame: Buffer) => this.onFrame(frame);
  private writer = new Writer(requestWriterInitialBytes);
  private nextCorrelationId = 0;
  /** Written and waiting for an answer (or, without one, for the write), oldest first. */
  private readonly inflight = new Map<number, QueuedRequest>();
  /** Accepted by send() and waiting for a window slot; `pendingHead` is the next to go. */
  private pending: QueuedRequest[] = [];
  private pendingHead = 0;
  private state: 'connecting' | 'open' | 'closing' | 'closed' = 'connecting';
  private closeError: Error | undefined;
  private drained: (() => void) | undefined;

  private constructor(
    options: ConnectionOptions,
    socket: net.Socket,
    decoder: ResponseFrameDecoder,
    readsIntoDecoder: boolean,
  ) {
    this.host = options.host;
    this.port = options.port;
    this.nodeId = options.nodeId;
    this.socket = socket;
    this.decoder = decoder;
    this.clientId = options.clientId ?? clientIdDefault;
    this.requestTimeoutMs = options.requestTimeoutMs ?? requestTimeoutMsDefault;
    this.maxInflightRequests = options.maxInflightRequests ?? inflightRequestsPerConnectionDefault;
    this.onClose = options.onClose;
    if (
      !Number.isInteger(this.maxInflightRequests) ||
      this.maxInflightRequests < 1 ||
      this.maxInflightRequests > inflightRequestsPerConnectionMax
    ) {
      throw new RangeError(
        `maxInflightRequests ${this.maxInflightRequests} outside [1, ${inflightRequestsPerConnectionMax}]`,
      );
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    if (!readsIntoDecoder) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(this.connectionError('failed', error)));
    socket.on('close', () => this.fail(this.connectionError('closed by the peer')));
  }

  /**
   * Connects and negotiates versions. Rejects with ConnectionError (the broker refused or
   * dropped the connection), TimeoutError (connectTimeoutMs passed) or a KafkaClientError
   * from ApiVersions.
   */
  static async connect(options: ConnectionOptions): Promise<Connection> {
    const decoder = new ResponseFrameDecoder(
      responseBytesMax,
      responseStagingBytes,
      responseOwnBufferBytesMin,
    );
    // net asks for the first read target while connecting, before the connection exists.
    let connection: Connection | undefined;
    const socket = options.socketFactory
      ? options.socketFactory({ host: options.host, port: options.port })
      : net.connect({
          host: options.host,
          port: options.port,
          onread: {
            buffer: () => decoder.receiveTarget(),
            callback: (byteCount: number) => {
              connection?.onReceived(byteCount);
              return true;
            },
          },
        });
    connection = new Connection(options, socket, decoder, options.socketFactory === undefined);
    const timeoutMs = options.connectTimeoutMs ?? connectTimeoutMsDefault;
    const timer = setTimeout(() => {
      connection.destroy(
        new TimeoutError(`connecting to ${connection.address} took over ${timeoutMs} ms`),
      );
    }, timeoutMs);
    try {
      await connection.waitForSocket();
      await connection.negotiateVersions(timeoutMs);
      return connection;
    } catch (error) {
      connection.destroy(error instanceof Error ? error : new Error(String(error)));
      throw connection.closeError ?? error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** `host:port`, with the node id when known. */
  get address(): string {
    const node = this.nodeId === undefined ? '' : ` (node ${this.nodeId})`;
    return `${this.host}:${this.port}${node}`;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Requests written and not yet answered (or, for acks=0, not yet written out). */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /** Requests accepted and waiting for a window slot. */
  get pendingCount(): number {
    return this.pending.length - this.pendingHead;
  }

  get windowSize(): number {
    return this.maxInflightRequests;
  }

  /**
   * The highest version of `api` both sides support. Throws UNSUPPORTED_VERSION when the
   * broker does not know the API or the ranges do not meet.
   */
  versionFor(api: AnyApi): number {
    const range = this.apiVersions.get(api.apiKey);
    const version = range === undefined ? -1 : Math.min(range.maxVersion, api.maxVersion);
    if (range === undefined || version < Math.max(range.minVersion, api.minVersion)) {
      const theirs = range === undefined ? 'none' : `${range.minVersion}-${range.maxVersion}`;
      throw new KafkaClientError({
        code: ErrorCode.UNSUPPORTED_VERSION,
        errorName: 'UNSUPPORTED_VERSION',
        retriable: false,
        message:
          `${api.name} (key ${api.apiKey}): client supports versions ` +
          `${api.minVersion}-${api.maxVersion}, broker ${this.address} supports ${theirs}`,
      });
    }
    return version;
  }

  /**
   * Sends one request at `version` and resolves with the decoded response (undefined when
   * `expectResponse` is false). Rejects with TimeoutError, ConnectionError, ClosedError, or a
   * KafkaClientError when the request cannot be encoded or the response decoded.
   */
  send<Req, Res>(
    api: Api<Req, Res>,
    version: number,
    body: Req,
    options: ConnectionRequestOptions = {},
  ): Promise<Res> {
    if (this.state !== 'open') {
      return Promise.reject(
        this.closeError ?? new ClosedError(`connection to ${this.address} is closed`),
      );
    }
    if (this.pendingCount >= pendingRequestsPerConnectionMax) {
      return Promise.reject(
        new KafkaClientError({
          code: clientErrorCode,
          errorName: 'TOO_MANY_PENDING_REQUESTS',
          retriable: true,
          message:
            `${this.pendingCount} requests already wait for ${this.address} ` +
            `(pendingRequestsPerConnectionMax ${pendingRequestsPerConnectionMax})`,
        }),
      );
    }
    return this.enqueue(api as AnyApi, version, body, options) as Promise<Res>;
  }

  /** Ends the socket once the accepted requests are answered, or after `graceMs`. */
  async close(graceMs = closeGraceMsDefault): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.state = 'closing';
    if (this.inflight.size > 0 || this.pendingCount > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.drained = undefined;
    this.fail(new ClosedError(`connection to ${this.address} was closed`));
  }

  /** Fails every request with `error` (or a ConnectionError naming it) and drops the socket. */
  destroy(error?: Error): void {
    this.fail(error ?? new ClosedError(`connection to ${this.address} was destroyed`));
  }

  private enqueue(api: AnyApi, version: number, body: unknown, options: ConnectionRequestOptions) {
    let frame: Buffer[];
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fff_ffff;
    try {
      frame = this.encode(api, version, correlationId, body);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<unknown>((resolve, reject) => {
      this.pending.push({
        frame,
        correlationId,
        api,
        version,
        expectResponse: options.expectResponse ?? true,
        timeoutMs: options.timeoutMs ?? this.requestTimeoutMs,
        resolve,
        reject,
        timer: undefined,
      });
      this.writePending();
    });
  }

  /**
   * The request frame, as parts: the writer's own bytes copied (the writer is reused), the
   * buffers it took by reference (a Produce request's large batches) as they are.
   */
  private encode(api: AnyApi, version: number, correlationId: number, body: unknown): Buffer[] {
    const writer = this.writer;
    writer.reset();
    const sizePosition = writer.reserveInt32();
    const header = {
      apiKey: api.apiKey,
      apiVersion: version,
      correlationId,
      clientId: this.clientId,
    };
    encodeRequestHeader(writer, header, isFlexible(api, version));
    api.encodeRequest(writer, version, body);
    writer.patchInt32(sizePosition, writer.byteLength - 4);
    const frame = writer.finishPartsCopy();
    // A rare huge request should not pin its buffer for the life of the connection.
    if (writer.position > requestWriterRetainBytes)
      this.writer = new Writer(requestWriterInitialBytes);
    return frame;
  }

  /** Writes queued requests while the window has room. */
  private writePending(): void {
    while (
      this.pendingHead < this.pending.length &&
      this.inflight.size < this.maxInflightRequests &&
      this.state !== 'closed'
    ) {
      const request = this.pending[this.pendingHead]!;
      this.pending[this.pendingHead] = undefined as unknown as QueuedRequest;
      this.pendingHead++;
      this.write(request);
    }
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private write(request: QueuedRequest): void {
    this.inflight.set(request.correlationId, request);
    request.timer = setTimeout(() => this.onTimeout(request), request.timeoutMs);
    const onWritten = request.expectResponse ? undefined : () => this.onWritten(request);
    this.writeParts(request.frame, onWritten);
  }

  /** Parts go out in one writev (cork/uncork); `onWritten` once the last is written. */
  private writeParts(parts: Buffer[], onWritten: (() => void) | undefined): void {
    const socket = this.socket;
    const last = parts.length - 1;
    if (last > 0) socket.cork();
    for (let index = 0; index < last; index++) socket.write(parts[index]!);
    if (onWritten === undefined) socket.write(parts[last]!);
    else {
      socket.write(parts[last]!, (error) => {
        // On an error the socket's 'error' and 'close' fail the request.
        if (!error) onWritten();
      });
    }
    if (last > 0) socket.uncork();
  }

  /** A request without a response (acks=0) is done once written. */
  private onWritten(request: QueuedRequest): void {
    if (this.inflight.delete(request.correlationId)) this.settle(request);
    request.resolve(undefined);
    this.afterAnswer();
  }

  private onData(chunk: Buffer): void {
    try {
      this.decoder.push(chunk, this.onFrameBound);
    } catch (error) {
      this.fail(this.connectionError('sent a malformed response', error));
    }
  }

  /** `byteCount` bytes were read into the decoder's receive target (net's onread). */
  private onReceived(byteCount: number): void {
    try {
      this.decoder.received(byteCount, this.onFrameBound);
    } catch (error) {
      this.fail(this.connectionError('sent a malformed response', error));
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const request = this.inflight.get(correlationId);
    if (request === undefined || !request.expectResponse) {
      throw new KafkaClientError({
        code: clientErrorCode,
        errorName: 'INVALID_RESPONSE',
        retriable: true,
        message: `${this.address} answered correlation id ${correlationId}, which is not in flight`,
      });
    }
    this.inflight.delete(correlationId);
    this.settle(request);
    const { api, version } = request;
    try {
      const reader = new Reader(frame, 4);
      if (responseHeaderIsFlexible(api.apiKey, isFlexible(api, version))) reader.readTaggedFields();
      request.resolve(api.decodeResponse(reader, version));
    } catch (error) {
      request.reject(
        new KafkaClientError({
          code: clientErrorCode,
          errorName: 'INVALID_RESPONSE',
          retriable: false,
          message: `${api.name} v${version} response from ${this.address} does not decode`,
          cause: error,
        }),
      );
    }
    this.afterAnswer();
  }

  private settle(request: QueuedRequest): void {
    if (request.timer !== undefined) clearTimeout(request.timer);
    request.timer = undefined;
  }

  private afterAnswer(): void {
    this.writePending();
    if (this.drained !== undefined && this.inflight.size === 0 && this.pendingCount === 0) {
      this.drained();
    }
  }

  private onTimeout(request: QueuedRequest): void {
    request.timer = undefined;
    if (!this.inflight.has(request.correlationId)) return;
    this.inflight.delete(request.correlationId);
    const error = new TimeoutError(
      `${request.api.name} request to ${this.address} was not answered within ` +
        `${request.timeoutMs} ms`,
    );
    request.reject(error);
    this.fail(
      new ConnectionError(`connection to ${this.address} closed after a request timed out`, {
        cause: error,
      }),
    );
  }

  private waitForSocket(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.state === 'closed') {
        reject(this.closeError);
        return;
      }
      const onConnect = () => {
        this.socket.off('close', onClose);
        this.state = 'open';
        resolve();
      };
      const onClose = () => {
        this.socket.off('connect', onConnect);
        reject(this.closeError ?? this.connectionError('closed while connecting'));
      };
      this.socket.once('connect', onConnect);
      this.socket.once('close', onClose);
    });
  }

  private async negotiateVersions(timeoutMs: number): Promise<void> {
    let version = apiVersionsApi.maxVersion;
    for (;;) {
      const response = await this.send(apiVersionsWithFallback, version, apiVersionsRequest, {
        timeoutMs,
      });
      const ours = response.apiKeys.find((range) => range.apiKey === apiVersionsApi.apiKey);
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION && ours !== undefined) {
        const next = Math.min(ours.maxVersion, version - 1);
        if (next >= apiVersionsApi.minVersion && next < version) {
          version = next;
          continue;
        }
      }
      if (response.errorCode !== ErrorCode.NONE) {
        throw new KafkaClientError({
          code: response.errorCode,
          errorName: 'UNSUPPORTED_VERSION',
          retriable: false,
          message: `ApiVersions v${version} to ${this.address} failed with code ${response.errorCode}`,
        });
      }
      for (const range of response.apiKeys) this.apiVersions.set(range.apiKey, range);
      return;
    }
  }

  private connectionError(what: string, cause?: unknown): ConnectionError {
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    return new ConnectionError(
      `connection to ${this.address} ${what}${reason}`,
      cause === undefined ? {} : { cause },
    );
  }

  /** Fails every request and closes the socket; the first error wins. */
  private fail(error: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeError = error;
    const requests = [...this.inflight.values(), ...this.pending.slice(this.pendingHead)];
    this.inflight.clear();
    this.pending = [];
    this.pendingHead = 0;
    const forOthers =
      error instanceof KafkaClientError ? error : this.connectionError('failed', error);
    for (const request of requests) {
      this.settle(request);
      request.reject(forOthers);
    }
    this.socket.destroy();
    this.drained?.();
    this.onClose?.(this, error instanceof ClosedError ? undefined : error);
  }
}
