/**
 * How record bytes travel in JSON, both ways. Kafka records are bytes; the HTTP API carries
 * them in one of three formats:
 *
 *   format  value in a request               value in a response
 *   json    any JSON; stored as its UTF-8    the stored bytes parsed as JSON; bytes that are
 *           JSON text (null: no value)       not JSON are given as text (format: 'text')
 *   text    a string, stored as UTF-8        the bytes as UTF-8 (lossy for non-UTF-8 bytes)
 *   base64  a base64 string of the bytes     the bytes in base64
 *
 * Keys and header values are strings: UTF-8 text, or base64 under the base64 format. A null
 * value is a record with no value (a tombstone) in every format.
 */
import type { DecodedRecord, RecordHeader } from '@cairn/protocol';
import { httpError } from './http-errors.js';
import type { RecordFormat } from './schemas.js';

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of a string given in `format`; INVALID_RECORD for base64 that is not base64. */
export function stringBytes(text: string, format: RecordFormat, what: string): Buffer {
  if (format !== 'base64') return Buffer.from(text, 'utf8');
  if (text.length % 4 !== 0 || !base64Pattern.test(text)) {
    throw httpError(400, 'INVALID_RECORD', `${what} is not valid base64`);
  }
  return Buffer.from(text, 'base64');
}

export function valueBytes(value: unknown, format: RecordFormat, what: string): Buffer | null {
  if (value === null) return null;
  if (format === 'json') return Buffer.from(JSON.stringify(value), 'utf8');
  if (typeof value !== 'string') {
    throw httpError(400, 'INVALID_RECORD', `${what} must be a string under format ${format}`);
  }
  return stringBytes(value, format, what);
}

export interface ConsumedRecord {
  topic?: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: unknown;
  headers: Array<{ key: string; value: string | null }>;
  format: RecordFormat;
}

function bytesString(bytes: Buffer, format: RecordFormat): string {
  return format === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}

/** A decoded record for a response, its value in `format` (json falling back to text). */
export function consumedRecord(
  partition: number,
  record: DecodedRecord,
  format: RecordFormat,
): ConsumedRecord {
  let value: unknown = null;
  let valueFormat = format;
  if (record.value !== null) {
    value = bytesString(record.value, format);
    if (format === 'json') {
      try {
        value = JSON.parse(value as string);
      } catch {
        valueFormat = 'text';
      }
    }
  }
  return {
    partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : bytesString(record.key, format),
    value,
    headers: record.headers.map((header: RecordHeader) => ({
      key: header.key,
      value: header.value === null ? null : bytesString(header.value, format),
    })),
    format: valueFormat,
  };
}
