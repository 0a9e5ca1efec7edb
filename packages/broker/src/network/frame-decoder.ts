/**
 * Cuts a TCP byte stream into Kafka frames.
 *
 *   offset  width  field
 *   0       4      size     int32, bytes that follow (the request: header then body)
 *   4       size   request
 *
 * A size below the smallest request header or above `frameBytesMax` is refused before any
 * of the frame is buffered (Kafka's NetworkReceive), so a hostile length cannot make us
 * allocate. Chunks are kept as they arrive; a frame that lies inside one chunk is returned as
 * a view (no copy), one that spans chunks is copied once.
 */
import { ProtocolError } from '@cairn/protocol';

export const SIZE_OFFSET = 0;
export const REQUEST_OFFSET = SIZE_OFFSET + 4;

/** apiKey + apiVersion + correlationId + clientId length: the smallest valid request. */
export const requestBytesMin = 2 + 2 + 4 + 2;

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes held but not yet returned as frames. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /** Adds a chunk; returns every whole frame now available (without the size prefix). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      const frame = this.nextFrame();
      if (frame === undefined) return frames;
      frames.push(frame);
    }
  }

  private nextFrame(): Buffer | undefined {
    if (this.bufferedBytes < REQUEST_OFFSET) return undefined;
    const size = this.peekSize();
    if (size < requestBytesMin || size > this.frameBytesMax) {
      throw new ProtocolError(
        size < requestBytesMin ? 'invalid_value' : 'oversized',
        `frame size ${size} outside [${requestBytesMin}, ${this.frameBytesMax}]`,
      );
    }
    if (this.bufferedBytes < REQUEST_OFFSET + size) return undefined;
    return this.take(REQUEST_OFFSET + size).subarray(REQUEST_OFFSET);
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= REQUEST_OFFSET) return first.readInt32BE(SIZE_OFFSET);
    // The 4 size bytes straddle chunks: merge the front chunks (rare, and only 4 bytes' worth).
    const merged = Buffer.concat(this.chunks);
    this.chunks = [merged];
    return merged.readInt32BE(SIZE_OFFSET);
  }

  /** Removes and returns the first `byteCount` bytes. */
  private take(byteCount: number): Buffer {
    this.bufferedBytes -= byteCount;
    const first = this.chunks[0]!;
    if (first.length >= byteCount) {
      if (first.length === byteCount) this.chunks.shift();
      else this.chunks[0] = first.subarray(byteCount);
      return first.subarray(0, byteCount);
    }
    const frame = Buffer.allocUnsafe(byteCount);
    let copied = 0;
    while (copied < byteCount) {
      const chunk = this.chunks[0]!;
      const wanted = byteCount - copied;
      if (chunk.length <= wanted) {
        chunk.copy(frame, copied);
        copied += chunk.length;
        this.chunks.shift();
      } else {
        chunk.copy(frame, copied, 0, wanted);
        this.chunks[0] = chunk.subarray(wanted);
        copied += wanted;
      }
    }
    return frame;
  }
}
