/**
 * The lines `cairn produce` reads from stdin or a file: split on '\n' (a '\r' before it is
 * dropped), a last line without a newline included, an empty line skipped. A line is held
 * whole in memory, so one longer than `lineBytesMax` is refused instead of buffered without
 * end (Kafka would refuse the record anyway past max.request.size).
 */
import type { Readable } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export async function* readLines(input: Readable, lineBytesMax: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNumber = 0;
  const take = (tail: Buffer): Buffer | null => {
    const line = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    pending = [];
    pendingBytes = 0;
    lineNumber++;
    const end = line.at(-1) === CARRIAGE_RETURN ? line.length - 1 : line.length;
    return end === 0 ? null : line.subarray(0, end);
  };
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    let start = 0;
    for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, start)) {
      if (pendingBytes + at - start > lineBytesMax) throw tooLong(lineNumber + 1, lineBytesMax);
      const line = take(bytes.subarray(start, at));
      if (line !== null) yield line;
      start = at + 1;
    }
    if (start < bytes.length) {
      pendingBytes += bytes.length - start;
      if (pendingBytes > lineBytesMax) throw tooLong(lineNumber + 1, lineBytesMax);
      // The chunk may be reused by the stream: keep a copy of the unfinished line.
      pending.push(Buffer.from(bytes.subarray(start)));
    }
  }
  if (pendingBytes > 0) {
    const line = take(Buffer.alloc(0));
    if (line !== null) yield line;
  }
}

function tooLong(lineNumber: number, lineBytesMax: number): Error {
  return new Error(`line ${lineNumber} is longer than ${lineBytesMax} bytes`);
}
