/**
 * Cuts the byte stream a broker sends into response frames.
 *
 *   offset  width  field
 *   0       4      size           int32, bytes that follow
 *   4       4      correlationId  int32 (the response header starts here)
 *   8       ...    tagged fields (flexible responses, but never ApiVersions), then the body
 *
 * A size below a response header or above `frameBytesMax` is refused before any of the frame
 * is buffered, so a broken or hostile peer cannot make the client allocate. A frame that lies
 * inside one chunk is returned as a view (no copy); one that spans chunks is copied once.
 */
import { ProtocolError } from '@cairn/protocol';

export const SIZE_OFFSET = 0;
export const RESPONSE_OFFSET = SIZE_OFFSET + 4;
/** The smallest response: a correlation id. */
export const responseBytesMin = 4;

export class ResponseFrameDecoder {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** Bytes held but not yet returned as frames. */
  get pendingBytes(): number {
    return this.bufferedBytes;
  }

  /**
   * Adds a chunk and calls `onFrame` for each whole frame now available (without its size
   * prefix). Throws ProtocolError for a size outside the bounds; the stream is then unusable.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    for (;;) {
      if (this.bufferedBytes < RESPONSE_OFFSET) return;
      const size = this.peekSize();
      if (size < responseBytesMin || size > this.frameBytesMax) {
        throw new ProtocolError(
          size < responseBytesMin ? 'invalid_value' : 'oversized',
          `response frame size ${size} outside [${responseBytesMin}, ${this.frameBytesMax}]`,
        );
      }
      if (this.bufferedBytes < RESPONSE_OFFSET + size) return;
      onFrame(this.take(RESPONSE_OFFSET + size).subarray(RESPONSE_OFFSET));
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= RESPONSE_OFFSET) return first.readInt32BE(SIZE_OFFSET);
    // The size straddles chunks (rare): copy its 4 bytes without consuming them.
    const sizeBytes = Buffer.allocUnsafe(RESPONSE_OFFSET);
    let copied = 0;
    for (const chunk of this.chunks) {
      copied += chunk.copy(sizeBytes, copied, 0, Math.min(chunk.length, RESPONSE_OFFSET - copied));
      if (copied === RESPONSE_OFFSET) break;
    }
    return sizeBytes.readInt32BE(SIZE_OFFSET);
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
