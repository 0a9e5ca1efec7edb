/**
 * The lock that keeps a second process out of a data directory (Kafka's `.lock`). The file
 * holds the owner's pid in decimal and a newline.
 *
 * Node has no flock, so ownership is decided by the pid: the file is created atomically with
 * its contents (written to a temporary file, then hard-linked to the lock name, which fails when
 * the name exists). A lock whose pid is alive belongs to someone else and opening fails, naming
 * the directory and the pid; a lock whose pid is dead (a crash or SIGKILL) is stale and taken
 * over by renaming our file over it, then read back to confirm. Two processes taking over the
 * same stale lock in the same instant could both succeed; a recycled pid can make a stale lock
 * look alive, in which case the message says which file to remove.
 */
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kafkaError } from '@cairn/protocol';
import { lockFileName } from './constants.js';
import type { LogLogger } from './logger.js';

export class LockFile {
  private constructor(readonly path: string) {}

  /** Takes the lock of `dataDir` for this process; throws KAFKA_STORAGE_ERROR when held. */
  static async acquire(dataDir: string, logger: LogLogger): Promise<LockFile> {
    const path = join(dataDir, lockFileName);
    const temporaryPath = `${path}.${process.pid}.tmp`;
    await writeFile(temporaryPath, `${process.pid}\n`, { flush: true });
    try {
      if (await tryLink(temporaryPath, path)) return new LockFile(path);
      const owner = await readOwner(path);
      if (owner !== null && isAlive(owner)) throw heldError(dataDir, path, owner);
      logger.warn(`${path}: taking over a stale lock of process ${owner ?? '(unreadable)'}`);
      await rename(temporaryPath, path);
      const confirmed = await readOwner(path);
      if (confirmed !== process.pid) throw heldError(dataDir, path, confirmed ?? -1);
      return new LockFile(path);
    } finally {
      await rm(temporaryPath, { force: true });
    }
  }

  /** Removes the lock file if it is still ours. */
  async release(): Promise<void> {
    if ((await readOwner(this.path)) === process.pid) await rm(this.path, { force: true });
  }
}

async function tryLink(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function readOwner(path: string): Promise<number | null> {
  try {
    const text = (await readFile(path, 'latin1')).trim();
    const pid = Number(text);
    return /^\d+$/.test(text) && Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Signal 0 checks that the process exists; EPERM means it exists under another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function heldError(dataDir: string, path: string, pid: number) {
  const who = pid === process.pid ? 'this process' : `process ${pid}`;
  return kafkaError(
    'KAFKA_STORAGE_ERROR',
    `data directory ${dataDir} is in use by ${who} (lock file ${path}); stop that process, ` +
      'or remove the lock file if no Cairn broker is running',
  );
}
