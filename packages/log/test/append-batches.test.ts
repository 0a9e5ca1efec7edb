// Proves the append checks refuse each kind of bad batch (records that do not parse included)
// with Kafka's error before anything is stamped, and that stamping offsets (and
// LogAppendTime) keeps every batch's CRC valid.
import {
  findBatchProblem,
  LAST_OFFSET_DELTA_OFFSET,
  RECORD_COUNT_OFFSET,
  RECORDS_OFFSET,
  readBaseOffset,
  readMaxTimestamp,
  readTimestampType,
  writeBatchCrc,
} from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import { assignOffsets, checkAppend } from '../src/append-batches.js';
import { defaultLogConfig } from '../src/config.js';
import { makeBatch } from './helpers/batches.js';

const config = { ...defaultLogConfig, maxMessageBytes: 500, segmentBytes: 2000 };

describe('checkAppend', () => {
  it('counts batches and offsets', () => {
    const records = Buffer.concat([makeBatch({ recordCount: 3 }), makeBatch({ recordCount: 2 })]);
    expect(checkAppend(records, config, 't-0')).toEqual({ batchCount: 2, offsetCount: 5 });
  });

  it('refuses with the Kafka error of each problem', () => {
    const corrupt = makeBatch();
    corrupt[corrupt.length - 1]! ^= 1;
    const truncated = makeBatch().subarray(0, 40);
    const countMismatch = makeBatch({ recordCount: 2 });
    countMismatch.writeInt32BE(3, RECORD_COUNT_OFFSET);
    writeBatchCrc(countMismatch);
    const garbageRecords = makeBatch({ recordCount: 2 });
    garbageRecords.fill(0x7f, RECORDS_OFFSET); // records that do not parse, under a valid CRC
    writeBatchCrc(garbageRecords);
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(0), 'INVALID_RECORD'],
      [garbageRecords, 'INVALID_RECORD'],
      [corrupt, 'CORRUPT_MESSAGE'],
      [truncated, 'CORRUPT_MESSAGE'],
      [countMismatch, 'INVALID_RECORD'],
      [makeBatch({ valueBytes: 600 }), 'MESSAGE_TOO_LARGE'],
      [
        Buffer.concat([1, 2, 3, 4, 5].map(() => makeBatch({ valueBytes: 400 }))),
        'RECORD_LIST_TOO_LARGE',
      ],
    ];
    for (const [records, errorName] of cases) {
      expect(() => checkAppend(records, config, 't-0')).toThrow(
        expect.objectContaining({ errorName }),
      );
    }
  });

  it('names the partition, the batch and the record whose records do not parse', () => {
    const records = Buffer.concat([makeBatch(), makeBatch({ recordCount: 3, compression: 1 })]);
    const second = records.readInt32BE(8) + 12;
    expect(() => checkAppend(records, config, 't-0')).not.toThrow();
    records[records.length - 1]! ^= 0xff; // inside the gzip trailer: does not decompress
    writeBatchCrc(records, second);
    expect(() => checkAppend(records, config, 't-0')).toThrow(
      expect.objectContaining({ errorName: 'CORRUPT_MESSAGE' }),
    );
    const shortRecords = makeBatch({ recordCount: 2 });
    shortRecords.writeInt32BE(1, RECORD_COUNT_OFFSET); // one record too few, in both fields
    shortRecords.writeInt32BE(0, LAST_OFFSET_DELTA_OFFSET);
    writeBatchCrc(shortRecords);
    expect(() => checkAppend(shortRecords, config, 't-0')).toThrow(
      /^t-0: record batch at byte 0: 1 records end at byte \d+, \d+ bytes before the end/,
    );
  });
});

describe('assignOffsets', () => {
  it('stamps dense offsets without breaking CRCs', () => {
    const records = Buffer.concat([makeBatch({ recordCount: 3 }), makeBatch({ recordCount: 2 })]);
    expect(assignOffsets(records, 100, null)).toBe(104);
    expect(readBaseOffset(records, 0)).toBe(100);
    const second = records.readInt32BE(8) + 12;
    expect(readBaseOffset(records, second)).toBe(103);
    expect(findBatchProblem(records, 0, second)).toBeNull();
    expect(findBatchProblem(records, second)).toBeNull();
  });

  it('sets LogAppendTime and maxTimestamp and rewrites the CRC', () => {
    const records = makeBatch({ timestamp: 5 });
    assignOffsets(records, 0, 9_999);
    expect(readTimestampType(records)).toBe(1);
    expect(readMaxTimestamp(records)).toBe(9_999);
    expect(findBatchProblem(records)).toBeNull();
  });
});
