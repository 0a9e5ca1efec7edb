/** Builds valid v2 record batches for tests through @cairn/protocol's encoder. */
import { encodeRecordBatch, type RecordInput } from '@cairn/protocol';

export interface BatchSpec {
  recordCount?: number;
  valueBytes?: number;
  timestamp?: number;
  /** One key per record; records get no key when omitted. */
  keys?: Array<string | null>;
  /** One value per record (null = tombstone); overrides valueBytes. */
  values?: Array<string | null>;
  compression?: 0 | 1 | 2 | 3 | 4;
}

export function makeBatch(spec: BatchSpec = {}): Buffer {
  const recordCount = spec.keys?.length ?? spec.values?.length ?? spec.recordCount ?? 1;
  const records: RecordInput[] = [];
  for (let index = 0; index < recordCount; index++) {
    const key = spec.keys?.[index];
    const value = spec.values?.[index];
    records.push({
      key: key === undefined || key === null ? null : Buffer.from(key),
      value:
        value === null
          ? null
          : value !== undefined
            ? Buffer.from(value)
            : Buffer.alloc(spec.valueBytes ?? 10, index % 251),
      timestamp: spec.timestamp ?? 1_000,
    });
  }
  return encodeRecordBatch({ records, compression: spec.compression ?? 0 });
}

/** Several batches back to back, as a Produce request carries them. */
export function concatBatches(batches: Buffer[]): Buffer {
  return Buffer.concat(batches);
}
