/**
 * A minimal Kafka client for tests that need exact requests on a real socket: encodes with the
 * '@cairn/protocol' codecs, pipelines any number of requests, and matches responses to them in
 * order, checking each correlation id. Also sends raw frames (for versions and API keys the
 * codecs do not have) and tells when the broker closed the connection.
 *
 * Frames on the wire:
 *   size           int32   bytes that follow
 *   header + body          request header v1/v2 then the request; response header v0/v1 then
 *                          the response
 */
import { connect, type Socket } from 'node:net';
import {
  type Api,
  encodeRequestHeader,
  isFlexible,
  Reader,
  responseHeaderIsFlexible,
  Writer,
} from '@cairn/protocol';

const SIZE_BYTES = 4;
const CORRELATION_ID_BYTES = 4;

interface Waiter {
  readonly correlationId: number;
  resolve(body: Buffer): void;
  reject(error: Error): void;
}

export class WireClient {
  private received = Buffer.alloc(0);
  private readonly waiters: Waiter[] = [];
  private nextCorrelationId = 1;
  /** Resolves when the broker (or the client) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // the broker closing on a bad frame is a result
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        for (const waiter of this.waiters.splice(0)) {
          waiter.reject(new Error(`connection closed before response ${waiter.correlationId}`));
        }
        resolve();
      });
    });
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new WireClient(socket);
  }

  get isClosed(): boolean {
    return this.socket.destroyed;
  }

  /** Sends `request` as `api` v`version` and resolves with the decoded response. */
  async request<Request, Response>(
    api: Api<Request, Response>,
    version: number,
    request: Request,
  ): Promise<Response> {
    const flexible = isFlexible(api, version);
    const { correlationId, frame } = this.frame(api, version, request);
    const body = await this.send(frame, correlationId);
    const reader = new Reader(body);
    // The correlation id is checked and cut already; a flexible header has tags after it.
    if (responseHeaderIsFlexible(api.apiKey, flexible)) reader.readTaggedFields();
    const response = api.decodeResponse(reader, version);
    if (reader.remaining !== 0) throw new Error(`${reader.remaining} bytes after the response`);
    return response;
  }

  /** Sends a request that gets no response (Produce with acks=0). */
  sendOneWay<Request>(api: Api<Request, unknown>, version: number, request: Request): void {
    this.socket.write(sized(this.frame(api, version, request).frame));
  }

  /**
   * Sends a header for any API key and version followed by `body`; resolves with the response
   * after its correlation id (header tags, if any, included).
   */
  raw(apiKey: number, apiVersion: number, body: Buffer = Buffer.alloc(0)): Promise<Buffer> {
    const correlationId = this.nextCorrelationId++;
    const writer = new Writer();
    encodeRequestHeader(writer, { apiKey, apiVersion, correlationId, clientId: 'wire' }, false);
    writer.writeRaw(body);
    return this.send(writer.finishCopy(), correlationId);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Stops reading responses (they back up in the broker), until `resumeReading`. */
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  private frame<Request>(api: Api<Request, unknown>, version: number, request: Request) {
    const correlationId = this.nextCorrelationId++;
    const writer = new Writer();
    const header = { apiKey: api.apiKey, apiVersion: version, correlationId, clientId: 'wire' };
    encodeRequestHeader(writer, header, isFlexible(api, version));
    api.encodeRequest(writer, version, request);
    return { correlationId, frame: writer.finishCopy() };
  }

  private send(frame: Buffer, correlationId: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed) {
        reject(new Error('connection already closed'));
        return;
      }
      this.waiters.push({ correlationId, resolve, reject });
      this.socket.write(sized(frame));
    });
  }

  private onData(chunk: Buffer): void {
    this.received = Buffer.concat([this.received, chunk]);
    while (this.received.length >= SIZE_BYTES) {
      const size = this.received.readInt32BE(0);
      if (this.received.length < SIZE_BYTES + size) return;
      const response = this.received.subarray(SIZE_BYTES, SIZE_BYTES + size);
      this.received = this.received.subarray(SIZE_BYTES + size);
      const waiter = this.waiters.shift();
      if (waiter === undefined) throw new Error('a response nobody asked for');
      const correlationId = response.readInt32BE(0);
      if (correlationId !== waiter.correlationId) {
        waiter.reject(new Error(`correlation id ${correlationId}, ${waiter.correlationId} due`));
      } else waiter.resolve(response.subarray(CORRELATION_ID_BYTES));
    }
  }
}

function sized(frame: Buffer): Buffer {
  const prefix = Buffer.alloc(SIZE_BYTES);
  prefix.writeInt32BE(frame.length);
  return Buffer.concat([prefix, frame]);
}
