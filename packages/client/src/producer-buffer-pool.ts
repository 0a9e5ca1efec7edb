/**
 * Free batch buffers, reused (Kafka's BufferPool). A full batch's buffer is batchBytes long;
 * at high rates the producer would otherwise allocate (and page-fault, and make the garbage
 * collector account for) a fresh batchBytes buffer per batch. A batch takes a free buffer when
 * one is there, and gives its buffer back once it is acknowledged or failed: its bytes are then
 * no longer referenced by a request (requests send batch buffers by reference, see
 * Connection.encode, and a request is answered only after it was written whole).
 *
 * Only buffers of exactly `bufferBytes` are kept, at most `freeCountMax` of them, so idle
 * memory is bounded; smaller allocations (a lone record's batch) are left to the allocator.
 */
export class ProducerBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** The size of the buffers kept: the producer's batchBytes. */
    readonly bufferBytes: number,
    private readonly freeCountMax: number,
  ) {}

  /** Buffers waiting to be reused. */
  get freeCount(): number {
    return this.free.length;
  }

  /** A buffer of at least `wantedBytes`: a free one when it is large enough, else a new one. */
  allocate(wantedBytes: number): Buffer {
    if (wantedBytes <= this.bufferBytes) {
      const free = this.free.pop();
      if (free !== undefined) return free;
    }
    return Buffer.allocUnsafe(wantedBytes);
  }

  /** Takes back a buffer no request refers to any more. */
  release(buffer: Buffer): void {
    if (buffer.length === this.bufferBytes && this.free.length < this.freeCountMax) {
      this.free.push(buffer);
    }
  }
}

/** For batches built outside a producer (tests): allocates, keeps nothing. */
export const unpooled = new ProducerBufferPool(0, 0);
