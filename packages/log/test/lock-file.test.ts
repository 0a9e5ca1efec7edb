// Proves the data-directory lock: a second holder (here a live child process) is refused with
// a message naming the directory and its pid, a lock left by a dead process is taken over,
// and release removes only our own lock.
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockFile } from '../src/lock-file.js';
import { type LogLogger, silentLogLogger } from '../src/logger.js';
import { makeTempDir } from './helpers/temp-dir.js';

describe('LockFile', () => {
  it('refuses a directory locked by a live process, naming it and the pid', async () => {
    const dir = await makeTempDir();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      await writeFile(join(dir, '.lock'), `${child.pid}\n`);
      await expect(LockFile.acquire(dir, silentLogLogger)).rejects.toThrow(
        new RegExp(`${dir}.*process ${child.pid}`),
      );
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a second acquire in the same process', async () => {
    const dir = await makeTempDir();
    const lock = await LockFile.acquire(dir, silentLogLogger);
    await expect(LockFile.acquire(dir, silentLogLogger)).rejects.toThrow(/this process/);
    await lock.release();
    const again = await LockFile.acquire(dir, silentLogLogger);
    await again.release();
  });

  it('takes over a stale lock of a dead process', async () => {
    const dir = await makeTempDir();
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    await writeFile(join(dir, '.lock'), `${deadPid}\n`);
    const warnings: string[] = [];
    const logger: LogLogger = { info: () => {}, warn: (message) => warnings.push(message) };
    const lock = await LockFile.acquire(dir, logger);
    expect(await readFile(join(dir, '.lock'), 'latin1')).toBe(`${process.pid}\n`);
    expect(warnings.join()).toMatch(new RegExp(`stale lock of process ${deadPid}`));
    await lock.release();
  });
});
