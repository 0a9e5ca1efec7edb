// Proves the response frame decoder cuts frames right however the stream is split into reads,
// both as the socket reads into it (receiveTarget/received) and from 'data' chunks (push), and
// that a frame it handed out stays intact while later reads reuse its staging buffer: the
// consumer's messages are views of fetch response frames.
import { ProtocolError } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { RESPONSE_OFFSET, ResponseFrameDecoder } from '../src/response-frame-decoder.js';

const stagingBytes = 256;
const ownBufferBytesMin = 64;

function decoder(frameBytesMax = 1 << 20): ResponseFrameDecoder {
  return new ResponseFrameDecoder(frameBytesMax, stagingBytes, ownBufferBytesMin);
}

/** A frame body of `size` bytes whose content depends on `seed`. */
function body(size: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let index = 0; index < size; index++) bytes[index] = (seed * 31 + index * 7) & 0xff;
  return bytes;
}

function framed(bodies: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const frame of bodies) {
    const size = Buffer.allocUnsafe(RESPONSE_OFFSET);
    size.writeInt32BE(frame.length, 0);
    parts.push(size, frame);
  }
  return Buffer.concat(parts);
}

/** Feeds `stream` as socket reads of at most `readBytes` each (cycled), as net's onread does. */
function read(
  target: ResponseFrameDecoder,
  stream: Buffer,
  readBytes: readonly number[],
  onFrame: (frame: Buffer) => void,
): void {
  let position = 0;
  let readIndex = 0;
  while (position < stream.length) {
    const into = target.receiveTarget();
    if (into.length === 0) throw new Error('an empty receive target');
    const wanted = readBytes[readIndex++ % readBytes.length]!;
    const byteCount = Math.min(into.length, wanted, stream.length - position);
    stream.copy(into, 0, position, position + byteCount);
    position += byteCount;
    target.received(byteCount, onFrame);
  }
}

/** Small, medium and large frames (some over the staging buffer), in a mixed order. */
const sizes = [4, 10, 60, 64, 65, 200, 251, 252, 253, 300, 1000, 5, 4096, 7, 30_000, 8];
const bodies = sizes.map((size, seed) => body(size, seed));

describe('ResponseFrameDecoder', () => {
  for (const readBytes of [[1], [3, 7], [100], [251, 1], [4096], [1 << 20]]) {
    it(`cuts frames from reads of ${readBytes.join(', ')} bytes`, () => {
      const frames: Buffer[] = [];
      const target = decoder();
      read(target, framed(bodies), readBytes, (frame) => frames.push(frame));
      expect(frames).toEqual(bodies);
      expect(target.pendingBytes).toBe(0);
    });
  }

  it('cuts frames from data chunks of any split', () => {
    const stream = framed(bodies);
    for (const chunkBytes of [1, 5, 255, 257, 10_000, stream.length]) {
      const frames: Buffer[] = [];
      const target = decoder();
      for (let position = 0; position < stream.length; position += chunkBytes) {
        target.push(stream.subarray(position, position + chunkBytes), (frame) =>
          frames.push(frame),
        );
      }
      expect(frames).toEqual(bodies);
    }
  });

  it('hands out frames that later reads do not overwrite', () => {
    // Every frame is kept, unread, until the whole stream has gone through the decoder: a frame
    // that were a view of the reused staging buffer (or of a reused frame buffer) would by then
    // hold other bytes.
    const many = Array.from({ length: 200 }, (_, seed) => body(sizes[seed % sizes.length]!, seed));
    const kept: Buffer[] = [];
    const target = decoder();
    read(target, framed(many), [stagingBytes, 17, 1 << 20], (frame) => kept.push(frame));
    expect(kept).toEqual(many);
  });

  it('reads a large frame straight into a buffer of its own, never past its end', () => {
    const large = body(10_000, 1);
    const small = body(10, 2);
    const stream = framed([large, small]);
    const target = decoder();
    const frames: Buffer[] = [];
    const firstRead = target.receiveTarget();
    expect(firstRead.length).toBe(stagingBytes);
    stream.copy(firstRead, 0, 0, 100);
    target.received(100, (frame) => frames.push(frame));
    // The size is known: the rest of the frame goes to its own buffer, exactly its length.
    const rest = target.receiveTarget();
    expect(rest.length).toBe(RESPONSE_OFFSET + large.length - 100);
    stream.copy(rest, 0, 100, RESPONSE_OFFSET + large.length);
    target.received(rest.length, (frame) => frames.push(frame));
    expect(frames).toHaveLength(1);
    expect(frames[0]).toEqual(large);
    expect(frames[0]!.buffer).toBe(rest.buffer);
    read(target, stream.subarray(RESPONSE_OFFSET + large.length), [1 << 20], (frame) =>
      frames.push(frame),
    );
    expect(frames[1]).toEqual(small);
  });

  it('refuses a size over the limit or under a header before buffering the frame', () => {
    const oversized = Buffer.alloc(8);
    oversized.writeInt32BE(1001, 0);
    expect(() => read(decoder(1000), oversized, [8], () => {})).toThrow(ProtocolError);
    const undersized = Buffer.alloc(8);
    undersized.writeInt32BE(3, 0);
    expect(() => read(decoder(), undersized, [8], () => {})).toThrow(/outside/);
  });
});
