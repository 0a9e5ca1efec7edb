/**
 * The load's input: a file of `recordCount` lines, each `recordBytes` bytes and a newline, which
 * `kcat -P` turns into one record per line (the newline is the delimiter, not part of the
 * value). Each line starts with its zero-padded index so a consumed record can be traced back;
 * the rest is filler. Nothing is compressed, so the content does not change the work.
 */
import { open } from 'node:fs/promises';
import { assert } from '@cairn/protocol';

const indexDigits = 12;
const linesPerWrite = 10_000;

export async function writeRecordFile(
  path: string,
  recordCount: number,
  recordBytes: number,
): Promise<void> {
  assert(recordBytes >= indexDigits, `records of ${recordBytes} bytes cannot hold their index`);
  const lineBytes = recordBytes + 1;
  const chunk = Buffer.alloc(linesPerWrite * lineBytes, 'x');
  for (let line = 0; line < linesPerWrite; line++) chunk[line * lineBytes + recordBytes] = 0x0a;
  const file = await open(path, 'w');
  try {
    for (let first = 0; first < recordCount; first += linesPerWrite) {
      const lineCount = Math.min(linesPerWrite, recordCount - first);
      for (let line = 0; line < lineCount; line++) {
        const index = String(first + line).padStart(indexDigits, '0');
        chunk.write(index, line * lineBytes, 'latin1');
      }
      await file.write(chunk, 0, lineCount * lineBytes);
    }
  } finally {
    await file.close();
  }
}
