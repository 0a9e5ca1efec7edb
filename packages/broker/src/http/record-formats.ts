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

/** Throws INVALID_RECORD unless `text` is padded base64 (Buffer would skip what is not). */
export function checkBase64(text: string, what: string): void {
  if (text.length % 4 !== 0 || !base64Pattern.test(text)) {
    throw httpError(400, 'INVALID_RECORD', `${what} is not valid base64`);
  }
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
