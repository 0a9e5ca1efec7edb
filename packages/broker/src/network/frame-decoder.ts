/**
 * Cuts a TCP byte stream into Kafka frames.
 *
 *   offset  width  field
 *   0       4      size     int32, bytes that follow (the request: header then body)
 *   4       size   request
 *
 * A size below the smallest request header or above `frameBytesMax` is refused before any
 * of the frame is buffered (Kafka's NetworkReceive), so a hostile length cannot make us
 * allocate. A frame that lies inside one chunk is returned as a view (no copy). One that spans
 * chunks gets a buffer of its size (from `buffers`: the broker lends pooled ones) as soon as
 * the size prefix is read, and each chunk is copied into it as it arrives: one copy per byte,
 * made while the chunk is still in cache, and no list of chunks to join.
 *
 * The memory of frames that span chunks is reserved from `memory` (the broker-wide budget of
 * buffered request bytes) by the frame's declared size, and given back when the frame is
 * complete or the decoder is disposed. When the budget cannot hold a frame, the decoder keeps
 * the unread rest of the chunk and is `blocked`: its caller stops reading the socket and calls
 * `push` again (with an empty chunk) once the budget has room.
 */
import { ProtocolError } from '@cairn/protocol';

export const SIZE_OFFSET = 0;
export const REQUEST_OFFSET = SIZE_OFFSET + 4;

/** apiKey + apiVersion + correlationId + clientId length: the smallest valid request. */
export const requestBytesMin = 2 + 2 + 4 + 2;

/** Where the decoder reserves the bytes of frames it assembles. */
export interface FrameMemory {
  /** Reserves `sizeBytes` for a frame; false when the budget cannot hold them now. */
  tryReserve(sizeBytes: number): boolean;
  /** Gives back bytes reserved for a frame that is complete or dropped. */
  release(sizeBytes: number): void;
}

/** No budget: every reservation succeeds. */
export const unlimitedFrameMemory: FrameMemory = {
  tryReserve: () => true,
  release: () => undefined,
};

/** Where frames that span chunks are assembled: `give` takes back one never returned. */
export interface FrameBuffers {
  take(length: number): Buffer;
  give(frame: Buffer): void;
}

export const newFrameBuffers: FrameBuffers = {
  take: (length) => Buffer.allocUnsafe(length),
  give: () => undefined,
};

/** An empty chunk: `push(emptyChunk)` retries a blocked decoder. */
export const emptyChunk: Buffer = Buffer.alloc(0);

const NO_SIZE = -1;

export class FrameDecoder {
  /** The size prefix while it straddles chunks. */
  private readonly sizePrefix = Buffer.alloc(REQUEST_OFFSET);
  private sizePrefixFilled = 0;
  /** The size of the next frame once its prefix is read; NO_SIZE before. */
  private frameSize = NO_SIZE;
  /** The frame being assembled (its whole size reserved), or null. */
  private frame: Buffer | null = null;
  private frameFilled = 0;
  /** The unread rest of a chunk while the decoder waits for memory. */
  private stash: Buffer | null = null;

  constructor(
    private readonly frameBytesMax: number,
    private readonly memory: FrameMemory = unlimitedFrameMemory,
    private readonly buffers: FrameBuffers = newFrameBuffers,
  ) {}

  /** Bytes received but not yet returned as frames. */
  get pendingBytes(): number {
    return this.sizePrefixFilled + this.frameFilled + (this.stash?.length ?? 0);
  }

  /** Bytes reserved from the budget for the frame being assembled. */
  get reservedBytes(): number {
    return this.frame?.length ?? 0;
  }

  /** True while a frame waits for memory; `push(emptyChunk)` retries. */
  get blocked(): boolean {
    return this.stash !== null;
  }

  /** The size of the frame that waits for memory (while blocked). */
  get blockedFrameBytes(): number {
    return this.frameSize;
  }

  /** Adds a chunk; returns every whole frame now available (without the size prefix). */
  push(chunk: Buffer): Buffer[] {
    let input = chunk;
    if (this.stash !== null) {
      // Only the retry (an empty chunk) is expected here; a late chunk is joined, rarely.
      input = input.length === 0 ? this.stash : Buffer.concat([this.stash, input]);
      this.stash = null;
    }
    const frames: Buffer[] = [];
    let at = 0;
    for (;;) {
      if (this.frame === null) {
        if (this.frameSize === NO_SIZE) {
          at = this.readSize(input, at);
          if (this.frameSize === NO_SIZE) return frames;
        }
        if (input.length - at >= this.frameSize) {
          frames.push(input.subarray(at, at + this.frameSize));
          at += this.frameSize;
          this.frameSize = NO_SIZE;
          continue;
        }
        if (at === input.length) return frames;
        if (!this.memory.tryReserve(this.frameSize)) {
          this.stash = input.subarray(at);
          return frames;
        }
        this.frame = this.buffers.take(this.frameSize);
        this.frameFilled = 0;
      }
      const copied = input.copy(this.frame, this.frameFilled, at);
      this.frameFilled += copied;
      at += copied;
      if (this.frameFilled < this.frame.length) return frames;
      frames.push(this.frame);
      this.memory.release(this.frame.length);
      this.frame = null;
      this.frameFilled = 0;
      this.frameSize = NO_SIZE;
    }
  }

  /** Gives back the memory of a frame being assembled (the connection closed). */
  dispose(): void {
    if (this.frame !== null) {
      this.memory.release(this.frame.length);
      this.buffers.give(this.frame);
    }
    this.frame = null;
    this.frameFilled = 0;
    this.stash = null;
  }

  /** Reads the size prefix from `input` at `at` (whole or in part); returns where it stopped. */
  private readSize(input: Buffer, at: number): number {
    let size: number;
    if (this.sizePrefixFilled === 0 && input.length - at >= REQUEST_OFFSET) {
      size = input.readInt32BE(at + SIZE_OFFSET);
      at += REQUEST_OFFSET;
    } else {
      const copied = input.copy(this.sizePrefix, this.sizePrefixFilled, at, at + REQUEST_OFFSET);
      this.sizePrefixFilled += copied;
      at += copied;
      if (this.sizePrefixFilled < REQUEST_OFFSET) return at;
      size = this.sizePrefix.readInt32BE(SIZE_OFFSET);
      this.sizePrefixFilled = 0;
    }
    if (size < requestBytesMin || size > this.frameBytesMax) {
      throw new ProtocolError(
        size < requestBytesMin ? 'invalid_value' : 'oversized',
        `frame size ${size} outside [${requestBytesMin}, ${this.frameBytesMax}]`,
      );
    }
    this.frameSize = size;
    return at;
  }
}
