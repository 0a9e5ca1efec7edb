/**
 * One Kafka client connection: frames in, responses out, in request order.
 *
 * Requests are pipelined: each frame is handed to `dispatch` as soon as it is cut, so a
 * handler starts before earlier responses are written, and responses are written strictly in
 * arrival order. Handlers that change ordered state (appends to a partition) do so before
 * their first await, so pipelined produce requests are applied in the order they came.
 *
 * Backpressure: reading pauses while the requests in flight or their bytes (requests being
 * handled plus responses not yet flushed to the socket) are over their limits, or while the
 * socket's write buffer is full; it resumes when they drain. Reading also pauses while the
 * broker-wide budget of in-flight Produce bytes is spent (quotas/inflight-budget.ts), and a
 * connection muted by a quota throttle reads nothing until the throttle ends, as Kafka mutes a
 * throttled channel; for clients from before KIP-219 it also holds the responses back that
 * long. A frame too large for what is left of the broker-wide budget of buffered request bytes
 * (request-buffer-budget.ts) stops reading until the budget has room. A malformed frame closes
 * this connection only.
 */
import type { Socket } from 'node:net';
import { isAssertionError, produceApi } from '@cairn/protocol';
import type { InflightBudget } from '../quotas/inflight-budget.js';
import type { BufferPool } from './buffer-pool.js';
import { emptyChunk, FrameDecoder } from './frame-decoder.js';
import type { RequestBufferBudget } from './request-buffer-budget.js';

/**
 * A response is one buffer or several written back to back (to avoid copying records), or
 * parts that refer to borrowed buffers (a Fetch's pooled reads): `onWritten` gives them back
 * once the kernel has every byte, and is not called if the write fails.
 */
export type ResponseBytes = Buffer | readonly Buffer[] | LentResponse;

export interface LentResponse {
  readonly parts: readonly Buffer[];
  readonly onWritten: () => void;
}

export interface ConnectionLimits {
  frameBytesMax: number;
  inflightRequestsMax: number;
  inflightBytesMax: number;
  idleMs: number;
  /** Produce request bytes in flight for the whole broker (queued.max.request.bytes). */
  produceBudget?: InflightBudget;
  /** Bytes of frames being assembled, for the whole broker (request-buffer-budget.ts). */
  requestBuffer?: RequestBufferBudget;
  /**
   * Lends the buffers frames that span socket chunks are assembled in; a Produce frame is given
   * back once its request is answered (its appends are written then: nothing refers to it).
   */
  framePool?: BufferPool;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  /**
   * Stops reading for `durationMs` (a quota throttle); with `holdResponses`, responses wait
   * too (clients before KIP-219, which do not throttle themselves).
   */
  mute?(durationMs: number, holdResponses: boolean): void;
}

/** Returns the response (with its size prefix) or null when the request gets none (acks=0). */
export type Dispatch = (frame: Buffer, connection: ConnectionInfo) => Promise<ResponseBytes | null>;

export interface ConnectionEvents {
  onClose(connection: Connection): void;
  onError(connection: Connection, error: Error): void;
}

interface Pending {
  frameBytes: number;
  response: ResponseBytes | null | undefined;
  done: boolean;
}

export class Connection implements ConnectionInfo {
  readonly remoteAddress: string;
  private readonly decoder: FrameDecoder;
  private readonly pending: Pending[] = [];
  private inflightBytes = 0;
  private writableFull = false;
  private mutedUntilMs = 0;
  private holdingResponses = false;
  private muteTimer: NodeJS.Timeout | null = null;
  private readonly resumeOnBudget = () => this.updateFlow();
  /** Called by the request buffer budget when the frame this connection waits for fits. */
  private readonly retryBlockedFrame = () => this.onData(emptyChunk);
  private closed = false;
  private drainedWaiters: Array<() => void> = [];

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly dispatch: Dispatch,
    private readonly events: ConnectionEvents,
  ) {
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.decoder = new FrameDecoder(limits.frameBytesMax, limits.requestBuffer, limits.framePool);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writableFull = false;
      this.updateFlow();
    });
    socket.on('timeout', () => {
      if (this.pending.length === 0) this.close();
    });
    socket.on('error', (error) => this.events.onError(this, error));
    socket.on('close', () => this.onSocketClose());
  }

  get inflightRequestCount(): number {
    return this.pending.length;
  }

  /** Bytes of requests being handled and responses not yet flushed (for the metrics). */
  get inflightByteCount(): number {
    return this.inflightBytes;
  }

  mute(durationMs: number, holdResponses: boolean): void {
    if (this.closed || durationMs <= 0) return;
    this.holdingResponses ||= holdResponses;
    const until = Date.now() + durationMs;
    if (until <= this.mutedUntilMs) return;
    this.mutedUntilMs = until;
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.muteTimer = setTimeout(() => {
      this.muteTimer = null;
      this.mutedUntilMs = 0;
      this.holdingResponses = false;
      this.writeReady();
    }, durationMs);
    this.socket.pause();
  }

  /** Stops reading; resolves once every request already read has been answered. */
  drain(): Promise<void> {
    this.socket.pause();
    if (this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainedWaiters.push(resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
  }

  /**
   * Closes after the responses already queued reach the kernel: a large Fetch response still
   * in the socket's buffer at shutdown is sent whole rather than cut off. Resolves when
   * flushed (or the socket is gone); the caller destroys whatever is left after its grace.
   */
  closeGracefully(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('finish', () => {
        this.close();
        resolve();
      });
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.events.onError(this, error as Error);
      this.close();
      return;
    }
    for (const frame of frames) this.startRequest(frame);
    // The broker-wide buffer budget cannot hold the next frame yet: read nothing until it can.
    if (this.decoder.blocked) {
      this.limits.requestBuffer?.waitForRoom(
        this.decoder.blockedFrameBytes,
        this.retryBlockedFrame,
      );
    }
    this.updateFlow();
  }

  private startRequest(frame: Buffer): void {
    const entry: Pending = { frameBytes: frame.length, response: undefined, done: false };
    this.pending.push(entry);
    this.inflightBytes += frame.length;
    const budget = this.limits.produceBudget;
    const produce = isProduce(frame);
    const budgetedBytes = budget !== undefined && produce ? frame.length : 0;
    budget?.acquire(budgetedBytes);
    this.dispatch(frame, this).then(
      (response) => {
        budget?.release(budgetedBytes);
        // The Produce handler answers after every append of the frame has been written (or
        // refused): the log holds none of its bytes now. Other requests' frames may live on in
        // what they created (group metadata), so only Produce frames go back.
        if (produce) this.limits.framePool?.give(frame);
        this.complete(entry, response);
      },
      (error: unknown) => {
        budget?.release(budgetedBytes);
        // Our own bug: crash, as assert() intends; restart and recovery are the designed path.
        if (isAssertionError(error))
          process.nextTick(() => {
            throw error;
          });
        this.events.onError(this, error as Error);
        this.close();
      },
    );
  }

  private complete(entry: Pending, response: ResponseBytes | null): void {
    entry.response = response;
    entry.done = true;
    if (response !== null) this.inflightBytes += responseLength(response);
    this.writeReady();
  }

  /** Writes every finished response at the head of the queue, in order. */
  private writeReady(): void {
    if (this.closed || this.holdingResponses) return;
    while (this.pending.length > 0 && this.pending[0]!.done) {
      const entry = this.pending.shift()!;
      this.inflightBytes -= entry.frameBytes;
      if (entry.response === null || entry.response === undefined) continue;
      const byteCount = responseLength(entry.response);
      const onWritten = isLent(entry.response) ? entry.response.onWritten : undefined;
      const release = (error?: Error | null) => {
        this.inflightBytes -= byteCount;
        if (error == null) onWritten?.();
        this.updateFlow();
      };
      if (Buffer.isBuffer(entry.response)) {
        if (!this.socket.write(entry.response, release)) this.writableFull = true;
      } else {
        this.socket.cork();
        const parts = responseParts(entry.response);
        parts.forEach((part, index) => {
          const full = !this.socket.write(part, index === parts.length - 1 ? release : undefined);
          if (full) this.writableFull = true;
        });
        this.socket.uncork();
      }
    }
    this.updateFlow();
    if (this.pending.length === 0) this.notifyDrained();
  }

  private updateFlow(): void {
    if (this.closed) return;
    const budget = this.limits.produceBudget;
    const budgetSpent = budget?.exhausted === true;
    if (budgetSpent) budget.waitForRoom(this.resumeOnBudget);
    const overLimit =
      this.writableFull ||
      this.decoder.blocked ||
      this.mutedUntilMs > 0 ||
      budgetSpent ||
      this.pending.length >= this.limits.inflightRequestsMax ||
      this.inflightBytes >= this.limits.inflightBytesMax;
    if (overLimit) this.socket.pause();
    else if (this.drainedWaiters.length === 0) this.socket.resume();
  }

  private notifyDrained(): void {
    const waiters = this.drainedWaiters;
    this.drainedWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private onSocketClose(): void {
    this.closed = true;
    if (this.muteTimer !== null) clearTimeout(this.muteTimer);
    this.limits.produceBudget?.forget(this.resumeOnBudget);
    this.limits.requestBuffer?.cancelWait(this.retryBlockedFrame);
    this.decoder.dispose();
    this.notifyDrained();
    this.events.onClose(this);
  }
}

/** The frame's apiKey (its first field) is Produce's. */
function isProduce(frame: Buffer): boolean {
  return frame.length >= 2 && frame.readInt16BE(0) === produceApi.apiKey;
}

function isLent(response: ResponseBytes): response is LentResponse {
  return !Buffer.isBuffer(response) && !Array.isArray(response);
}

/** The response's bytes as parts to write back to back. */
export function responseParts(response: ResponseBytes): readonly Buffer[] {
  if (Buffer.isBuffer(response)) return [response];
  return isLent(response) ? response.parts : (response as readonly Buffer[]);
}

function responseLength(response: ResponseBytes): number {
  if (Buffer.isBuffer(response)) return response.length;
  let length = 0;
  for (const part of responseParts(response)) length += part.length;
  return length;
}
