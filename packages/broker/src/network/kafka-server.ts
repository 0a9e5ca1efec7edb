/**
 * The TCP listener for the Kafka protocol: accepts connections up to a limit, hands frames to
 * the dispatcher through a Connection each, and shuts down gracefully (stop accepting, let
 * in-flight requests finish within a grace period, then close every socket).
 *
 * In-flight requests are counted here, not only per connection: a client that disconnects
 * does not stop its request (a CreateTopics keeps creating logs), so close() waits for those
 * too, and the caller does not close the logs under a handler that is still running.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { requestBufferBytesBrokerMax, requestBufferSmallFrameBytesMax } from '../constants.js';
import { Connection, type ConnectionLimits, type Dispatch } from './connection.js';
import { RequestBufferBudget } from './request-buffer-budget.js';

export interface KafkaServerOptions {
  host: string;
  port: number;
  connectionsMax: number;
  limits: ConnectionLimits;
  /**
   * Bytes of frames being assembled over every connection (request-buffer-budget.ts); a frame
   * larger than this is refused as oversized, since it could never be buffered. Default:
   * constants.ts requestBufferBytesBrokerMax.
   */
  requestBufferBytesMax?: number;
  /** Frames this small are buffered whatever the budget says (requestBufferSmallFrameBytesMax). */
  requestBufferSmallFrameBytesMax?: number;
  shutdownGraceMs: number;
  logger: Logger;
}

export class KafkaServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  /** Requests being dispatched, whether or not their connection is still open. */
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly dispatch: Dispatch;
  private readonly requestBuffer: RequestBufferBudget;
  /** The limits every connection gets, with the shared request buffer budget. */
  private readonly connectionLimits: ConnectionLimits;
  private nextConnectionId = 1;

  private constructor(
    private readonly options: KafkaServerOptions,
    dispatch: Dispatch,
  ) {
    this.dispatch = (frame, connection) => {
      const request = dispatch(frame, connection);
      const forget = (): void => {
        this.inflight.delete(settled);
      };
      const settled: Promise<void> = request.then(forget, forget);
      this.inflight.add(settled);
      return request;
    };
    const bufferBytesMax = options.requestBufferBytesMax ?? requestBufferBytesBrokerMax;
    this.requestBuffer = new RequestBufferBudget(
      bufferBytesMax,
      options.requestBufferSmallFrameBytesMax ?? requestBufferSmallFrameBytesMax,
    );
    this.connectionLimits = {
      ...options.limits,
      frameBytesMax: Math.min(options.limits.frameBytesMax, bufferBytesMax),
      requestBuffer: this.requestBuffer,
    };
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens and resolves with the bound port (useful with port 0). */
  static async listen(options: KafkaServerOptions, dispatch: Dispatch): Promise<KafkaServer> {
    const kafkaServer = new KafkaServer(options, dispatch);
    await new Promise<void>((resolve, reject) => {
      kafkaServer.server.once('error', reject);
      kafkaServer.server.listen(options.port, options.host, () => {
        kafkaServer.server.off('error', reject);
        resolve();
      });
    });
    return kafkaServer;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Bytes reserved by frames being assembled, over every connection. */
  get requestBufferBytes(): number {
    return this.requestBuffer.usedBytes;
  }

  /** Connections that stopped reading until the request buffer budget has room. */
  get requestBufferWaiterCount(): number {
    return this.requestBuffer.waiterCount;
  }

  /** Bytes of requests being handled and responses not yet written, over every connection. */
  get inflightBytes(): number {
    let sizeBytes = 0;
    for (const connection of this.connections) sizeBytes += connection.inflightByteCount;
    return sizeBytes;
  }

  /**
   * Stops accepting, waits for in-flight requests, those of connections already closed
   * included (at most the grace period), lets queued responses flush (at most the grace
   * period again), closes all.
   */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drained = Promise.all([
      ...[...this.connections].map((connection) => connection.drain()),
      ...this.inflight,
    ]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.shutdownGraceMs);
    });
    await Promise.race([drained, grace]);
    clearTimeout(timer);
    const flushed = Promise.all([...this.connections].map((c) => c.closeGracefully()));
    const flushGrace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.shutdownGraceMs);
    });
    await Promise.race([flushed, flushGrace]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.close();
    await closed;
  }

  private accept(socket: Socket): void {
    if (this.connections.size >= this.options.connectionsMax) {
      this.options.logger.warn(
        { remoteAddress: socket.remoteAddress, connectionsMax: this.options.connectionsMax },
        'connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    const connection = new Connection(
      this.nextConnectionId++,
      socket,
      this.connectionLimits,
      this.dispatch,
      {
        onClose: (closed) => this.connections.delete(closed),
        onError: (failed, error) =>
          this.options.logger.info(
            { connectionId: failed.id, remoteAddress: failed.remoteAddress, err: error },
            'connection error',
          ),
      },
    );
    this.connections.add(connection);
  }
}
