// Proves the table and section formats line columns up under upper-case headers without
// truncating cells, and that JSON output writes bigint offsets as numbers.
import { describe, expect, it } from 'vitest';
import { formatSection, formatTable, toJson } from '../../src/cli/cli-output.js';

describe('cli output', () => {
  it('aligns columns to the widest cell', () => {
    const table = formatTable(
      ['name', 'partitions'],
      [
        ['a-long-topic-name', 3],
        ['b', null],
      ],
    );
    expect(table).toBe(
      'NAME               PARTITIONS\na-long-topic-name  3\nb                  -\n',
    );
  });

  it('keeps a cell on one line', () => {
    expect(formatTable(['v'], [['a\nb']])).toBe('V\na\\nb\n');
  });

  it('aligns section keys', () => {
    expect(
      formatSection([
        ['id', 'x'],
        ['controller', 1],
      ]),
    ).toBe('ID          x\nCONTROLLER  1\n');
  });

  it('writes bigints as numbers', () => {
    expect(toJson({ offset: 42n })).toBe('{"offset":42}');
  });
});
