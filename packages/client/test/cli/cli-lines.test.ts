// Proves the produce input reader cuts lines wherever chunks split them: CRLF and a missing final
// newline are handled, empty lines skipped, and a line past the limit is refused, not buffered.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../src/cli/cli-lines.js';

async function linesOf(chunks: string[], lineBytesMax = 100): Promise<string[]> {
  const lines: string[] = [];
  const input = Readable.from(chunks.map((chunk) => Buffer.from(chunk)));
  for await (const line of readLines(input, lineBytesMax)) lines.push(line.toString());
  return lines;
}

describe('readLines', () => {
  it('joins lines split across chunks', async () => {
    expect(await linesOf(['ab', 'c\nde', 'f\n', 'g'])).toEqual(['abc', 'def', 'g']);
  });

  it('drops CR before LF and skips empty lines', async () => {
    expect(await linesOf(['one\r\n\r\n\ntwo\r\n'])).toEqual(['one', 'two']);
  });

  it('accepts a line of exactly the limit', async () => {
    expect(await linesOf(['12345\n'], 5)).toEqual(['12345']);
  });

  it('refuses a line over the limit, even one split across chunks', async () => {
    await expect(linesOf(['ok\n123', '456\n'], 5)).rejects.toThrow(/line 2 is longer than 5/);
    await expect(linesOf(['123456'], 5)).rejects.toThrow(/line 1 is longer than 5/);
  });
});
