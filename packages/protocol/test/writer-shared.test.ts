// Proves that bytes written by reference (Writer.writeRawShared) come out as the very buffers
// given, in place, with the same bytes a copying writer produces, and that a Fetch response
// encodes its large record sets by reference and its small ones by copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FetchResponse,
  fetchApi,
  Reader,
  Writer,
  writerSharedBytesMin,
} from '../src/index.js';

describe('Writer.writeRawShared', () => {
  it('gives the same bytes as copying, with large buffers as their own parts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
            fc.integer({ min: 1, max: 3 * writerSharedBytesMin }),
          ),
          { maxLength: 12 },
        ),
        (steps) => {
          const shared = new Writer(4);
          const copied = new Writer(4);
          const payloads: Buffer[] = [];
          steps.forEach((step, index) => {
            if (index % 2 === 0) {
              shared.writeInt32(step);
              copied.writeInt32(step);
              return;
            }
            const payload = Buffer.alloc(Math.abs(step) % (3 * writerSharedBytesMin), index);
            payloads.push(payload);
            shared.writeRawShared(payload);
            copied.writeRaw(payload);
          });
          const parts = shared.finishParts();
          expect(shared.byteLength).toBe(copied.position);
          expect(Buffer.concat(parts).equals(copied.finish())).toBe(true);
          expect(shared.finish().equals(copied.finish())).toBe(true);
          for (const payload of payloads) {
            const byReference = parts.some((part) => part === payload);
            expect(byReference).toBe(payload.length >= writerSharedBytesMin);
          }
        },
      ),
    );
  });

  it('patches its own bytes in place while a shared buffer follows', () => {
    const writer = new Writer();
    const sizePosition = writer.reserveInt32();
    const payload = Buffer.alloc(writerSharedBytesMin, 1);
    writer.writeRawShared(payload);
    writer.writeInt16(7);
    writer.patchInt32(sizePosition, writer.byteLength - 4);
    const parts = writer.finishParts();
    expect(parts).toHaveLength(3);
    expect(parts[0]!.readInt32BE(0)).toBe(writerSharedBytesMin + 2);
    expect(parts[1]).toBe(payload);
    writer.reset();
    expect(writer.byteLength).toBe(0);
    expect(writer.finishParts()).toHaveLength(1);
  });
});

describe('Writer.finishPartsCopy', () => {
  it('keeps its own bytes when the writer is reused, shared buffers still by reference', () => {
    const writer = new Writer();
    writer.writeInt32(1);
    const payload = Buffer.alloc(writerSharedBytesMin, 2);
    writer.writeRawShared(payload);
    writer.writeInt16(3);
    const parts = writer.finishPartsCopy();
    const expected = Buffer.concat(writer.finishParts());
    writer.reset();
    writer.writeInt32(-1);
    writer.writeInt16(-1);
    expect(parts).toHaveLength(3);
    expect(parts[1]).toBe(payload);
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
    expect(parts[0]!.readInt32BE(0)).toBe(1);
    expect(parts[2]!.readInt16BE(0)).toBe(3);
  });

  it('shares below the default threshold when the caller says so', () => {
    const writer = new Writer();
    const payload = Buffer.alloc(100, 4);
    writer.writeRawShared(payload, 100);
    writer.writeRawShared(Buffer.alloc(99, 5), 100);
    expect(writer.finishPartsCopy()).toEqual([payload, Buffer.alloc(99, 5)]);
    expect(writer.finishPartsCopy()[0]).toBe(payload);
  });
});

describe('Fetch response encoding', () => {
  function response(records: Buffer): FetchResponse {
    const partition = {
      partitionIndex: 0,
      errorCode: 0,
      highWatermark: 10,
      lastStableOffset: 10,
      logStartOffset: 0,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records,
    };
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      responses: [{ topic: 't', partitions: [partition] }],
    };
  }

  it('writes a large record set by reference and decodes to the same records', () => {
    const records = Buffer.alloc(4 * writerSharedBytesMin, 3);
    const writer = new Writer();
    fetchApi.encodeResponse(writer, 11, response(records));
    expect(writer.finishParts()).toContain(records);
    // The parts joined: what the client reads off the socket.
    const decoded = fetchApi.decodeResponse(new Reader(Buffer.concat(writer.finishParts())), 11);
    expect(decoded.responses[0]!.partitions[0]!.records!.equals(records)).toBe(true);
  });

  it('copies a small record set into its own buffer', () => {
    const records = Buffer.alloc(100, 4);
    const writer = new Writer();
    fetchApi.encodeResponse(writer, 11, response(records));
    expect(writer.finishParts()).toHaveLength(1);
  });
});
