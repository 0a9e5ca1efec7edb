// Proves group commit: waiters that arrive during an fsync share the next one, a waiter is
// resolved only by a sync that started after its offset was written, and a failed sync
// fails every waiter, then and later.
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/group-commit.js';

function controlledSync() {
  const calls: Array<{ target: number; finish: (error?: Error) => void }> = [];
  const sync = (target: number) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ target, finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, sync };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('resolves at once below the flushed offset', async () => {
    const { sync, calls } = controlledSync();
    const commit = new GroupCommit(10, sync);
    await commit.waitFor(10);
    expect(calls.length).toBe(0);
  });

  it('shares one sync between the waiters that queued during the previous one', async () => {
    const { sync, calls } = controlledSync();
    const commit = new GroupCommit(0, sync);
    commit.written(1);
    const first = commit.waitFor(1);
    expect(calls.map((call) => call.target)).toEqual([1]);
    commit.written(5);
    const others = [commit.waitFor(2), commit.waitFor(4), commit.waitFor(5)];
    calls[0]!.finish();
    await first;
    await tick();
    expect(calls.map((call) => call.target)).toEqual([1, 5]);
    calls[1]!.finish();
    await Promise.all(others);
    expect(commit.flushedOffset).toBe(5);
  });

  it('waits for the writer before syncing an offset not yet written', async () => {
    const { sync, calls } = controlledSync();
    const commit = new GroupCommit(0, sync);
    let resolved = false;
    const waiting = commit.waitFor(3).then(() => {
      resolved = true;
    });
    await tick();
    expect(calls.length).toBe(0);
    commit.written(3);
    calls[0]!.finish();
    await waiting;
    expect(resolved).toBe(true);
  });

  it('fails every waiter, now and later, after a failed sync', async () => {
    const { sync, calls } = controlledSync();
    const commit = new GroupCommit(0, sync);
    commit.written(2);
    const waiting = commit.waitFor(2);
    calls[0]!.finish(new Error('EIO'));
    await expect(waiting).rejects.toThrow('EIO');
    await expect(commit.waitFor(1)).rejects.toThrow('EIO');
  });
});
