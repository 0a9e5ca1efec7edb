// Proves the append checks refuse each kind of bad batch with Kafka's error before anything
// is stamped, and that stamping offsets (and LogAppendTime) keeps every batch's CRC valid.
import {
  findBatchProblem,
  RECORD_COUNT_OFFSET,
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
    const cases: Array<[Buffer, string]> = [
      [Buffer.alloc(0), 'INVALID_RECORD'],
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
