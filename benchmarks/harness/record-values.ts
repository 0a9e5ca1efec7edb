/**
 * What every target sends: record values of a fixed size cut from one text corpus, so Cairn,
 * Redis and NATS carry the same bytes. The corpus is words drawn from a small vocabulary by a
 * seeded generator, like log lines: lz4 shrinks it about 2x, as it does real text, rather than
 * 100x as it would a run of one byte (which would flatter the compressed cases). Values hold
 * no newline, since kcat reads one record per line.
 *
 * Latency runs put two times in front of the filler, as ASCII so they survive kcat's lines:
 *
 *   "<intended µs>,<sent µs>," then corpus bytes up to the record size
 *
 * Both are this process's monotonic clock (stats.ts clockMicros), rounded to whole µs.
 */
import { open } from 'node:fs/promises';
import { assert } from '@cairn/protocol';

const corpusBytes = 1024 * 1024;
const vocabulary = [
  'alpha',
  'broker',
  'commit',
  'delta',
  'epoch',
  'fetch',
  'group',
  'heartbeat',
  'index',
  'join',
  'kafka',
  'leader',
  'member',
  'offset',
  'partition',
  'quorum',
  'record',
  'segment',
  'topic',
  'user',
  'value',
  'write',
  'xid',
  'yield',
  'zone',
  'GET',
  'POST',
  '200',
  '404',
  'INFO',
  'WARN',
  'id=',
  'ts=',
  'latency_ms=',
  'status=',
  'path=/api/v1/orders',
];
const linesPerWrite = 4096;
/** Room for the two times of a latency value: 2 x 15 digits and 2 commas. */
export const latencyHeaderBytesMax = 32;

/** A deterministic generator (mulberry32), so every run sends the same bytes. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function buildCorpus(): Buffer {
  const random = seededRandom(0x6361_6972);
  const words: string[] = [];
  let length = 0;
  while (length < corpusBytes) {
    const word = vocabulary[Math.floor(random() * vocabulary.length)]!;
    const suffix = random() < 0.3 ? String(Math.floor(random() * 100_000)) : '';
    words.push(word + suffix);
    length += word.length + suffix.length + 1;
  }
  return Buffer.from(words.join(' '), 'latin1').subarray(0, corpusBytes);
}

let corpus: Buffer | undefined;

/** The `index`th value of `recordBytes` bytes: a view into the corpus (do not modify). */
export function recordValue(index: number, recordBytes: number): Buffer {
  assert(recordBytes <= corpusBytes / 4, `records of ${recordBytes} bytes exceed the corpus`);
  corpus ??= buildCorpus();
  const starts = corpusBytes - recordBytes;
  const start = (index * 7919 * 31) % starts;
  return corpus.subarray(start, start + recordBytes);
}

/** Writes `recordCount` values as lines (value + "\n"): the input of `kcat -P`. */
export async function writeRecordLines(
  path: string,
  recordCount: number,
  recordBytes: number,
): Promise<void> {
  const lineBytes = recordBytes + 1;
  const chunk = Buffer.alloc(linesPerWrite * lineBytes);
  const file = await open(path, 'w');
  try {
    for (let first = 0; first < recordCount; first += linesPerWrite) {
      const lineCount = Math.min(linesPerWrite, recordCount - first);
      for (let line = 0; line < lineCount; line++) {
        recordValue(first + line, recordBytes).copy(chunk, line * lineBytes);
        chunk[line * lineBytes + recordBytes] = 0x0a;
      }
      await file.write(chunk, 0, lineCount * lineBytes);
    }
  } finally {
    await file.close();
  }
}

/** A latency value: the two times, then filler up to `recordBytes`. */
export function latencyValue(intendedMicros: number, sentMicros: number, recordBytes: number) {
  const header = `${Math.round(intendedMicros)},${Math.round(sentMicros)},`;
  assert(header.length <= latencyHeaderBytesMax, `latency header too long: ${header}`);
  const value = Buffer.allocUnsafe(Math.max(recordBytes, header.length));
  value.write(header, 0, 'latin1');
  recordValue(0, recordBytes).copy(value, header.length, 0, value.length - header.length);
  return value;
}

export interface LatencyTimes {
  intendedMicros: number;
  sentMicros: number;
}

/** Reads the two times back; null when `value` is not a latency value (a readiness probe). */
export function parseLatencyValue(value: Uint8Array): LatencyTimes | null {
  let position = 0;
  const readNumber = (): number | null => {
    let number = 0;
    const start = position;
    while (position < value.length) {
      const byte = value[position++]!;
      if (byte === 0x2c) return position - 1 > start ? number : null;
      if (byte < 0x30 || byte > 0x39) return null;
      number = number * 10 + (byte - 0x30);
    }
    return null;
  };
  const intendedMicros = readNumber();
  const sentMicros = intendedMicros === null ? null : readNumber();
  if (intendedMicros === null || sentMicros === null) return null;
  return { intendedMicros, sentMicros };
}
