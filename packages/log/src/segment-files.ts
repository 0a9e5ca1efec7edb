/**
 * Names of a partition's files (Kafka's LogFileUtils). A segment is named by its baseOffset,
 * 20 digits zero-padded, so `ls` lists segments in offset order:
 *
 *   <topic>-<partition>/                      the partition directory
 *     00000000000000000000.log                record batches, v2, exactly as on the wire
 *     00000000000000000000.index              offset index (offset-index.ts)
 *     00000000000000000000.timeindex          time index (time-index.ts)
 *     00000000000000000000.log.cleaned        compaction output being written
 *     00000000000000000000.log.swap           compaction output complete, replacing the original
 *     log-start-offset-checkpoint             checkpoint-file.ts
 *     recovery-point-offset-checkpoint        checkpoint-file.ts
 *     cleaner-offset-checkpoint               checkpoint-file.ts (compaction's progress)
 *
 * A deleted partition directory is first renamed `<topic>-<partition>.<suffix>-delete`.
 */
import { join } from 'node:path';
import { corruptFileError } from './storage-error.js';

export type SegmentFileKind = 'log' | 'index' | 'timeindex';
export type SegmentFileStage = 'final' | 'cleaned' | 'swap';

const extensions: Readonly<Record<SegmentFileKind, string>> = {
  log: '.log',
  index: '.index',
  timeindex: '.timeindex',
};
const stageSuffixes: Readonly<Record<SegmentFileStage, string>> = {
  final: '',
  cleaned: '.cleaned',
  swap: '.swap',
};

export const baseOffsetDigits = 20;
export const logStartOffsetCheckpointName = 'log-start-offset-checkpoint';
export const recoveryPointCheckpointName = 'recovery-point-offset-checkpoint';
export const cleanerCheckpointName = 'cleaner-offset-checkpoint';
export const deletedDirectorySuffix = '-delete';

export function formatBaseOffset(baseOffset: number): string {
  return String(baseOffset).padStart(baseOffsetDigits, '0');
}

export function segmentFileName(
  baseOffset: number,
  kind: SegmentFileKind,
  stage: SegmentFileStage = 'final',
): string {
  return `${formatBaseOffset(baseOffset)}${extensions[kind]}${stageSuffixes[stage]}`;
}

export function segmentFilePath(
  dir: string,
  baseOffset: number,
  kind: SegmentFileKind,
  stage: SegmentFileStage = 'final',
): string {
  return join(dir, segmentFileName(baseOffset, kind, stage));
}

export interface ParsedSegmentFileName {
  baseOffset: number;
  kind: SegmentFileKind;
  stage: SegmentFileStage;
}

const segmentFilePattern = /^([^.]*)\.(log|index|timeindex)(\.cleaned|\.swap)?$/;

/**
 * Parses a directory entry. Returns null for a file that is not a segment file (checkpoints,
 * Kafka's partition.metadata); throws naming the file when it looks like a segment file but its
 * base offset is not 20 digits of a safe integer.
 */
export function parseSegmentFileName(dir: string, name: string): ParsedSegmentFileName | null {
  const match = segmentFilePattern.exec(name);
  if (match === null) return null;
  const [, digits, extension, suffix] = match;
  if (digits === undefined || !/^\d{20}$/.test(digits)) {
    throw corruptFileError(join(dir, name), 'a segment file name must be 20 digits of offset');
  }
  const baseOffset = Number(digits);
  if (!Number.isSafeInteger(baseOffset)) {
    throw corruptFileError(join(dir, name), 'the base offset in the name is beyond 2^53');
  }
  const kind = extension as SegmentFileKind;
  const stage: SegmentFileStage =
    suffix === '.cleaned' ? 'cleaned' : suffix === '.swap' ? 'swap' : 'final';
  return { baseOffset, kind, stage };
}

export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** `<topic>-<partition>` split at the last dash; null when the name does not have that form. */
export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  if (match === null) return null;
  const partition = Number(match[2]);
  if (!Number.isSafeInteger(partition) || String(partition) !== match[2]) return null;
  return { topic: match[1]!, partition };
}
