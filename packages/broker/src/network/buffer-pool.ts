/**
 * Reusable buffers for the partition reads of Fetch.
 *
 * Why: a new 1 MiB buffer per partition read is memory outside V8's heap that only a major GC
 * frees, and V8 starts one every time such memory grows by ~64 MiB. At ~1 GB/s of fetches
 * that is a major GC every ~60 ms, and those GCs were most of the broker's fetch CPU.
 *
 * Reads take slabs of power-of-two sizes (fetchBufferSlabBytesMin to fetchBufferSlabBytesMax;
 * larger reads get a buffer of their own) through a lease, one per Fetch. The lease gives its
 * slabs back only once the Fetch response that refers to them has been written to the socket
 * (the kernel has copied it), never earlier: a slab reused while a response still points into
 * it would send another read's bytes. A lease never released (its connection closed mid-write)
 * is not an error: its slabs are left to the GC. At most `freeBytesMax` of free slabs are kept.
 */
import type { ReadBuffers } from '@cairn/log';
import { assert } from '@cairn/protocol';
import { fetchBufferSlabBytesMax, fetchBufferSlabBytesMin } from '../constants.js';

export class FetchBufferPool {
  /** Free slabs by size (a power of two). */
  private readonly free = new Map<number, Buffer[]>();
  private freeBytes = 0;

  constructor(private readonly freeBytesMax: number) {}

  lease(): FetchBufferLease {
    return new FetchBufferLease(this);
  }

  /** Bytes of free slabs kept for reuse (for tests and metrics). */
  get freeByteCount(): number {
    return this.freeBytes;
  }

  /** A slab of at least `length` bytes, or null when `length` is outside the pooled sizes. */
  take(length: number): Buffer | null {
    if (length > fetchBufferSlabBytesMax || length < fetchBufferSlabBytesMin) return null;
    const slabBytes = 2 ** Math.ceil(Math.log2(length));
    const slab = this.free.get(slabBytes)?.pop();
    if (slab === undefined) return Buffer.allocUnsafeSlow(slabBytes);
    this.freeBytes -= slabBytes;
    return slab;
  }

  give(slab: Buffer): void {
    if (this.freeBytes + slab.length > this.freeBytesMax) return;
    let slabs = this.free.get(slab.length);
    if (slabs === undefined) {
      slabs = [];
      this.free.set(slab.length, slabs);
    }
    slabs.push(slab);
    this.freeBytes += slab.length;
  }
}

/** The slabs one Fetch reads into; `release` once nothing refers to them any more. */
export class FetchBufferLease implements ReadBuffers {
  private slabs: Buffer[] = [];
  private released = false;

  constructor(private readonly pool: FetchBufferPool) {}

  allocate(length: number): Buffer {
    assert(!this.released, 'read into a released fetch buffer lease');
    const slab = this.pool.take(length);
    if (slab === null) return Buffer.allocUnsafe(length);
    this.slabs.push(slab);
    return slab.subarray(0, length);
  }

  release(): void {
    assert(!this.released, 'fetch buffer lease released twice');
    this.released = true;
    for (const slab of this.slabs) this.pool.give(slab);
    this.slabs = [];
  }
}
