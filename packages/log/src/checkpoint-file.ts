/**
 * A checkpoint file holds one offset of a partition: its logStartOffset (after
 * deleteRecordsBefore) or its recoveryPoint (everything below is fsync'd). Kafka keeps these
 * in per-directory text files of `version / count / entries`; Cairn keeps one per partition
 * directory in the same shape, plus a checksum line, because a digit flipped by a bad disk
 * would otherwise still parse. ASCII, one field per line, each ending in '\n':
 *
 *   line  field     content
 *   1     version   0
 *   2     count     1
 *   3     offset    decimal, a safe non-negative integer
 *   4     checksum  first 16 hex digits of SHA-256 over lines 1-3 (with their newlines)
 *
 * It is written to `<name>.tmp`, fsync'd, renamed over the old file and the directory fsync'd,
 * so a crash leaves the old or the new checkpoint, never half of one.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { FileSystem } from './file-system.js';
import { isNotFound } from './file-system.js';
import { writeWholeFile } from './segment.js';
import { storageError } from './storage-error.js';

const checkpointVersion = '0';
const checkpointEntryCount = '1';
const checksumHexDigits = 16;

export type CheckpointRead =
  | { kind: 'missing' }
  | { kind: 'valid'; offset: number }
  | { kind: 'corrupt'; problem: string };

export function encodeCheckpoint(offset: number): string {
  const body = `${checkpointVersion}\n${checkpointEntryCount}\n${offset}\n`;
  return `${body}${checksum(body)}\n`;
}

export function decodeCheckpoint(text: string): CheckpointRead {
  const lines = text.split('\n');
  if (lines.length !== 5 || lines[4] !== '') return corrupt(`${lines.length - 1} lines, not 4`);
  const [version, count, offsetText, sum] = lines as [string, string, string, string];
  if (version !== checkpointVersion) return corrupt(`version '${version}'`);
  if (count !== checkpointEntryCount) return corrupt(`entry count '${count}'`);
  if (sum !== checksum(`${version}\n${count}\n${offsetText}\n`)) return corrupt('bad checksum');
  const offset = Number(offsetText);
  if (!/^\d+$/.test(offsetText) || !Number.isSafeInteger(offset)) {
    return corrupt(`offset '${offsetText}'`);
  }
  return { kind: 'valid', offset };
}

export async function readCheckpoint(fs: FileSystem, path: string): Promise<CheckpointRead> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    if (isNotFound(error)) return { kind: 'missing' };
    throw storageError('reading', path, error);
  }
  return decodeCheckpoint(bytes.toString('latin1'));
}

/** Replaces the checkpoint durably (write, fsync, rename, fsync the directory). */
export async function writeCheckpoint(fs: FileSystem, path: string, offset: number) {
  const temporaryPath = `${path}.tmp`;
  await writeWholeFile(fs, temporaryPath, Buffer.from(encodeCheckpoint(offset), 'latin1'));
  try {
    await fs.rename(temporaryPath, path);
    await fs.syncDirectory(dirname(path));
  } catch (error) {
    throw storageError('replacing', path, error);
  }
}

function checksum(body: string): string {
  return createHash('sha256').update(body, 'latin1').digest('hex').slice(0, checksumHexDigits);
}

function corrupt(problem: string): CheckpointRead {
  return { kind: 'corrupt', problem };
}
