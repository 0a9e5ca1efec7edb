/**
 * What `cairn` prints: aligned tables and key/value sections for people (rpk's look: upper-case
 * headers, columns two spaces apart), one JSON document for scripts (`--json`), and errors on
 * stderr. Tables never truncate a cell; a cell is one line (newlines shown as \n).
 */
import type { CliIo } from './cli-io.js';

export type Cell = string | number | bigint | boolean | null | undefined;

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  return String(cell).replaceAll('\n', '\\n');
}

export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): string {
  const lines = rows.map((row) => row.map(cellText));
  const titles = headers.map((header) => header.toUpperCase());
  const widths = titles.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return `${[format(titles), ...lines.map(format)].join('\n')}\n`;
}

/** `KEY  value` lines, keys aligned: a summary of one thing (a topic, the cluster). */
export function formatSection(pairs: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length));
  return pairs
    .map(([key, value]) => `${key.toUpperCase().padEnd(width)}  ${cellText(value)}\n`)
    .join('');
}

export function writeTable(
  io: CliIo,
  headers: readonly string[],
  rows: readonly (readonly Cell[])[],
): void {
  io.stdout.write(formatTable(headers, rows));
}

/** bigint offsets and Buffers are written as JSON numbers and strings. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, item: unknown) => {
      if (typeof item === 'bigint') return Number(item);
      if (item instanceof Map) return Object.fromEntries(item);
      return item;
    },
    indent,
  );
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${toJson(value, 2)}\n`);
}
