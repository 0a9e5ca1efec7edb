/**
 * Where a read puts the bytes it returns. By default every read gets a new buffer; a caller
 * that knows when it is done with them (the broker, once a Fetch response has been written)
 * can lend reusable ones instead, so that reads at a high rate allocate nothing.
 */
export interface ReadBuffers {
  /** A buffer of exactly `length` bytes; the read overwrites all of them. */
  allocate(length: number): Buffer;
}

export const newReadBuffers: ReadBuffers = {
  allocate: (length) => Buffer.allocUnsafe(length),
};
