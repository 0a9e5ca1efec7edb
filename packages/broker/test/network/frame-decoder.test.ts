// Proves frames are cut correctly however the stream is chunked, and that a hostile size
// prefix is refused before anything is buffered.
import { ProtocolError } from '@cairn/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/network/frame-decoder.js';

function frame(body: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

describe('FrameDecoder', () => {
  it('returns the same frames for any chunking of the stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 10, maxLength: 300 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map((body) => frame(Buffer.from(body))));
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
        },
      ),
    );
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
