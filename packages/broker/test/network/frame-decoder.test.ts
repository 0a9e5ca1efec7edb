// Proves frames are cut correctly however the stream is chunked and whenever the memory budget
// makes the decoder wait, that every reserved byte is given back, and that a hostile size
// prefix is refused before anything is buffered.
import { ProtocolError } from '@cairn/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyChunk, FrameDecoder, type FrameMemory } from '../../src/network/frame-decoder.js';

/** A budget that refuses when told to, and counts what is reserved. */
class TestMemory implements FrameMemory {
  reservedBytes = 0;
  refusals: boolean[] = [];

  tryReserve(sizeBytes: number): boolean {
    if (this.refusals.shift() === true) return false;
    this.reservedBytes += sizeBytes;
    return true;
  }

  release(sizeBytes: number): void {
    this.reservedBytes -= sizeBytes;
  }
}

/** Frame bodies sent back to back, and the chunk sizes the stream is cut into, in turn. */
const frameBodies = fc.array(fc.uint8Array({ minLength: 10, maxLength: 300 }), {
  minLength: 1,
  maxLength: 8,
});
const chunkCuts = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 });

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** The bodies as frames back to back, as a connection receives them. */
function streamOf(bodies: readonly Uint8Array[]): Buffer {
  return Buffer.concat(bodies.map((body) => frame(Buffer.from(body))));
}

describe('FrameDecoder', () => {
  it('returns the same frames for any chunking of the stream', () => {
    fc.assert(
      fc.property(frameBodies, chunkCuts, (bodies, cuts) => {
        const stream = streamOf(bodies);
        const decoder = new FrameDecoder(1024);
        const frames: Buffer[] = [];
        let position = 0;
        for (let index = 0; position < stream.length; index++) {
          const step = cuts[index % cuts.length]!;
          frames.push(...decoder.push(stream.subarray(position, position + step)));
          position += step;
        }
        expect(frames.map((f) => [...f])).toEqual(bodies.map((b) => [...b]));
        expect(decoder.pendingBytes).toBe(0);
      }),
    );
  });

  it('returns the same frames when the budget makes it wait, and releases every byte', () => {
    fc.assert(
      fc.property(
        frameBodies,
        chunkCuts,
        fc.array(fc.boolean(), { maxLength: 30 }),
        (bodies, cuts, refusals) => {
          const stream = streamOf(bodies);
          const memory = new TestMemory();
          memory.refusals = [...refusals];
          const decoder = new FrameDecoder(1024, memory);
          const frames: Buffer[] = [];
          let position = 0;
          for (let index = 0; position < stream.length; index++) {
            const step = cuts[index % cuts.length]!;
            frames.push(...decoder.push(stream.subarray(position, position + step)));
            position += step;
            // The connection stops reading while blocked and retries when the budget has room.
            while (decoder.blocked) frames.push(...decoder.push(emptyChunk));
            expect(memory.reservedBytes).toBe(decoder.reservedBytes);
          }
          expect(frames.map((f) => [...f])).toEqual(bodies.map((b) => [...b]));
          expect(decoder.pendingBytes).toBe(0);
          expect(memory.reservedBytes).toBe(0);
        },
      ),
    );
  });

  it('returns a frame inside one chunk as a view, without reserving memory', () => {
    const memory = new TestMemory();
    memory.refusals = [true];
    const chunk = frame(Buffer.alloc(100, 7));
    const [only] = new FrameDecoder(1024, memory).push(chunk);
    expect(only!.buffer).toBe(chunk.buffer);
    expect(memory.reservedBytes).toBe(0);
  });

  it('gives back the reservation of a frame cut short by dispose()', () => {
    const memory = new TestMemory();
    const decoder = new FrameDecoder(1024, memory);
    decoder.push(frame(Buffer.alloc(500)).subarray(0, 100));
    expect(memory.reservedBytes).toBe(500);
    decoder.dispose();
    expect(memory.reservedBytes).toBe(0);
  });

  it('refuses a size above the limit before the frame arrives', () => {
    const decoder = new FrameDecoder(1024);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(1025);
    expect(() => decoder.push(prefix)).toThrow(ProtocolError);
  });

  it('refuses negative and too-small sizes', () => {
    for (const size of [-1, 0, 9]) {
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      expect(() => new FrameDecoder(1024).push(prefix)).toThrow(ProtocolError);
    }
  });
});
