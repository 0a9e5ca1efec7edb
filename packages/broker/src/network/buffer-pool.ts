/**
 * Reusable buffers for the broker's two large byte streams: the partition reads of Fetch and
 * the Produce frames that span socket chunks.
 *
 * Why: a new 1 MiB buffer per read or frame is memory outside V8's heap that only a major GC
 * frees, and V8 starts one every time such memory grows by ~64 MiB. At ~1 GB/s that is a major
 * GC every ~60 ms, and those GCs were most of the broker's fetch CPU and a third of its
 * produce CPU.
 *
 * `take` lends a view of a slab of a power-of-two size (`slabBytesMin` to `slabBytesMax`;
 * other sizes get a buffer of their own, not lent). `give` takes a lent view back once nothing
 * refers to its bytes any more, never earlier: a slab reused while, say, a Fetch response
 * still points into it would send another read's bytes. A view never given back (its
 * connection closed mid-write) is not an error: its slab is left to the GC. At most
 * `freeBytesMax` of free slabs are kept.
 */
import { assert } from '@cairn/protocol';

export interface BufferPoolLimits {
  slabBytesMin: number;
  slabBytesMax: number;
  freeBytesMax: number;
}

export class BufferPool {
  /** Free slabs by size (a power of two). */
  private readonly free = new Map<number, Buffer[]>();
  /** Slabs lent out, by their memory: `give` accepts only these. */
  private readonly lent = new WeakMap<ArrayBufferLike, Buffer>();
  private freeBytes = 0;

  constructor(private readonly limits: BufferPoolLimits) {}

  /** Bytes of free slabs kept for reuse. */
  get freeByteCount(): number {
    return this.freeBytes;
  }

  /** A buffer of exactly `length` bytes: a view of a lent slab when the size is pooled. */
  take(length: number): Buffer {
    const { slabBytesMin, slabBytesMax } = this.limits;
    if (length < slabBytesMin || length > slabBytesMax) return Buffer.allocUnsafe(length);
    const slabBytes = 2 ** Math.ceil(Math.log2(length));
    let slab = this.free.get(slabBytes)?.pop();
    if (slab === undefined) slab = Buffer.allocUnsafeSlow(slabBytes);
    else this.freeBytes -= slabBytes;
    this.lent.set(slab.buffer, slab);
    return slab.subarray(0, length);
  }

  /** Takes back a view from `take` (others are ignored); its bytes may be reused at once. */
  give(view: Buffer): void {
    const slab = this.lent.get(view.buffer);
    if (slab === undefined) return;
    this.lent.delete(view.buffer);
    if (this.freeBytes + slab.length > this.limits.freeBytesMax) return;
    let slabs = this.free.get(slab.length);
    if (slabs === undefined) {
      slabs = [];
      this.free.set(slab.length, slabs);
    }
    slabs.push(slab);
    this.freeBytes += slab.length;
  }

  lease(): BufferLease {
    return new BufferLease(this);
  }
}

/** Views taken for one use (a Fetch's reads), given back together by `release`. */
export class BufferLease {
  private views: Buffer[] = [];
  private released = false;

  constructor(private readonly pool: BufferPool) {}

  allocate(length: number): Buffer {
    assert(!this.released, 'read into a released buffer lease');
    const view = this.pool.take(length);
    this.views.push(view);
    return view;
  }

  release(): void {
    assert(!this.released, 'buffer lease released twice');
    this.released = true;
    for (const view of this.views) this.pool.give(view);
    this.views = [];
  }
}
