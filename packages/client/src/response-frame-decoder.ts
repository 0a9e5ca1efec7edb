/**
 * Cuts the byte stream a broker sends into response frames.
 *
 *   offset  width  field
 *   0       4      size           int32, bytes that follow
 *   4       4      correlationId  int32 (the response header starts here)
 *   8       ...    tagged fields (flexible responses, but never ApiVersions), then the body
 *
 * A size below a response header or above `frameBytesMax` is refused before any of the frame
 * is buffered, so a broken or hostile peer cannot make the client allocate.
 *
 * The socket reads into the decoder (net's `onread`): receiveTarget() says where the next read
 * lands, received() takes what came. Two places:
 *
 * - the staging buffer, reused for the life of the connection: reads land here between
 *   frames. A frame that arrived whole in it is copied out to a buffer of its own, so nothing
 *   handed out is ever a view of the staging buffer (it is overwritten by the next reads).
 * - a frame's own buffer: once the size of a frame over `ownBufferBytesMin` is read, the
 *   frame gets a buffer of exactly its size, what of it is staged is copied there, and the
 *   rest is read straight into it (a read never goes past the frame's end). A large fetch
 *   response is so copied once by the kernel and not again; the buffer is handed out whole
 *   and never reused, since the consumer's messages are views of it.
 *
 * push() feeds a chunk read elsewhere (a socket from a SocketFactory, which emits 'data') by
 * copying it through the same two places.
 */
import { assert, ProtocolError } from '@cairn/protocol';

export const SIZE_OFFSET = 0;
export const RESPONSE_OFFSET = SIZE_OFFSET + 4;
/** The smallest response: a correlation id. */
export const responseBytesMin = 4;

export class ResponseFrameDecoder {
  private readonly staging: Buffer;
  /** Staged bytes not yet cut into frames: [stagedStart, stagedEnd). */
  private stagedStart = 0;
  private stagedEnd = 0;
  /** The frame being read into its own buffer, and how many of its bytes are in it. */
  private frame: Buffer | null = null;
  private frameFilledBytes = 0;

  /**
   * @param frameBytesMax the largest frame accepted (size prefix excluded)
   * @param stagingBytes the staging buffer's size
   * @param ownBufferBytesMin frames larger than this are read into a buffer of their own
   */
  constructor(
    private readonly frameBytesMax: number,
    stagingBytes: number,
    private readonly ownBufferBytesMin: number,
  ) {
    assert(
      ownBufferBytesMin + RESPONSE_OFFSET <= stagingBytes,
      `a staged frame of ${ownBufferBytesMin} bytes must fit the staging buffer (${stagingBytes})`,
    );
    this.staging = Buffer.allocUnsafeSlow(stagingBytes);
  }

  /** Bytes held but not yet returned as frames. */
  get pendingBytes(): number {
    return this.stagedEnd - this.stagedStart + this.frameFilledBytes;
  }

  /** Where the next read should land: never empty. Valid until received() or push(). */
  receiveTarget(): Buffer {
    if (this.frame !== null) return this.frame.subarray(this.frameFilledBytes);
    return this.staging.subarray(this.stagedEnd);
  }

  /**
   * `byteCount` bytes were read into the last receiveTarget(): calls `onFrame` for each whole
   * frame now available (without its size prefix). Throws ProtocolError for a size outside
   * the bounds; the stream is then unusable.
   */
  received(byteCount: number, onFrame: (frame: Buffer) => void): void {
    const frame = this.frame;
    if (frame !== null) {
      this.frameFilledBytes += byteCount;
      assert(this.frameFilledBytes <= frame.length, 'a read past the end of its frame');
      if (this.frameFilledBytes < frame.length) return;
      this.frame = null;
      this.frameFilledBytes = 0;
      onFrame(frame);
      return;
    }
    this.stagedEnd += byteCount;
    assert(this.stagedEnd <= this.staging.length, 'a read past the end of the staging buffer');
    this.cutStaged(onFrame);
  }

  /** Adds a chunk read elsewhere; otherwise as received(). */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    let position = 0;
    while (position < chunk.length) {
      const copied = chunk.copy(this.receiveTarget(), 0, position);
      position += copied;
      this.received(copied, onFrame);
    }
  }

  /** Hands out the whole staged frames; a large partial one moves to a buffer of its own. */
  private cutStaged(onFrame: (frame: Buffer) => void): void {
    const staging = this.staging;
    for (;;) {
      const stagedBytes = this.stagedEnd - this.stagedStart;
      if (stagedBytes < RESPONSE_OFFSET) break;
      const size = staging.readInt32BE(this.stagedStart + SIZE_OFFSET);
      if (size < responseBytesMin || size > this.frameBytesMax) {
        throw new ProtocolError(
          size < responseBytesMin ? 'invalid_value' : 'oversized',
          `response frame size ${size} outside [${responseBytesMin}, ${this.frameBytesMax}]`,
        );
      }
      const frameStart = this.stagedStart + RESPONSE_OFFSET;
      const stagedFrameBytes = stagedBytes - RESPONSE_OFFSET;
      if (stagedFrameBytes >= size) {
        // A copy: the staging buffer is overwritten by the next reads.
        const frame = Buffer.allocUnsafe(size);
        staging.copy(frame, 0, frameStart, frameStart + size);
        this.stagedStart = frameStart + size;
        onFrame(frame);
        continue;
      }
      if (size > this.ownBufferBytesMin) {
        const frame = Buffer.allocUnsafe(size);
        staging.copy(frame, 0, frameStart, this.stagedEnd);
        this.frame = frame;
        this.frameFilledBytes = stagedFrameBytes;
        this.stagedStart = 0;
        this.stagedEnd = 0;
        return;
      }
      // A small frame cut short: the rest comes by the next reads, into the staging buffer.
      const neededBytes = RESPONSE_OFFSET + size - stagedBytes;
      if (staging.length - this.stagedEnd < neededBytes) this.compact();
      return;
    }
    if (this.stagedStart === this.stagedEnd) {
      this.stagedStart = 0;
      this.stagedEnd = 0;
    } else if (staging.length - this.stagedEnd < RESPONSE_OFFSET) {
      this.compact();
    }
  }

  /** Moves the staged bytes to the front of the staging buffer. */
  private compact(): void {
    this.staging.copy(this.staging, 0, this.stagedStart, this.stagedEnd);
    this.stagedEnd -= this.stagedStart;
    this.stagedStart = 0;
  }
}
