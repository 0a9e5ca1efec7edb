// Proves segment and partition directory names round-trip, and that a segment file whose
// name is not 20 digits of a safe offset is refused with the file's path in the message.
import { describe, expect, it } from 'vitest';
import {
  formatBaseOffset,
  parsePartitionDirName,
  parseSegmentFileName,
  partitionDirName,
  segmentFileName,
} from '../src/segment-files.js';

describe('segment files', () => {
  it('names segments by their baseOffset, 20 digits zero-padded', () => {
    expect(formatBaseOffset(0)).toBe('00000000000000000000');
    expect(segmentFileName(1234, 'log')).toBe('00000000000000001234.log');
    expect(segmentFileName(7, 'timeindex', 'swap')).toBe('00000000000000000007.timeindex.swap');
  });

  it('parses what it names and ignores other files', () => {
    expect(parseSegmentFileName('/d', '00000000000000001234.index')).toEqual({
      baseOffset: 1234,
      kind: 'index',
      stage: 'final',
    });
    expect(parseSegmentFileName('/d', '00000000000000000005.log.cleaned')?.stage).toBe('cleaned');
    expect(parseSegmentFileName('/d', 'log-start-offset-checkpoint')).toBeNull();
    expect(parseSegmentFileName('/d', 'partition.metadata')).toBeNull();
  });

  it('refuses a segment file name that is not 20 digits, naming the file', () => {
    expect(() => parseSegmentFileName('/d', '123.log')).toThrow('/d/123.log');
    expect(() => parseSegmentFileName('/d', '0000000000000000000x.index')).toThrow(/20 digits/);
    expect(() => parseSegmentFileName('/d', '99999999999999999999.log')).toThrow(/2\^53/);
  });

  it('splits partition directories at the last dash', () => {
    expect(partitionDirName('my-topic', 3)).toBe('my-topic-3');
    expect(parsePartitionDirName('my-topic-3')).toEqual({ topic: 'my-topic', partition: 3 });
    expect(parsePartitionDirName('topic')).toBeNull();
    expect(parsePartitionDirName('topic-03')).toBeNull();
    expect(parsePartitionDirName('t-1.abc-delete')).toBeNull();
  });
});
