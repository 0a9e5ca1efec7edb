// Proves group commit: waiters that arrive during an fsync share the next one, a waiter is
// resolved only by a sync that started after its offset was written, and a failed sync
// fails every waiter, then and later.
import { describe, expect, it } from 'vitest';
import { groupCommitDeferredWritesMax } from '../src/constants.js';
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

  it('holds a sync back while the writer has appends queued, up to a limit', async () => {
    const { sync, calls } = controlledSync();
    let busy = true;
    const commit = new GroupCommit(0, sync, () => busy);
    commit.written(1);
    const waiting = commit.waitFor(1);
    commit.written(2);
    expect(calls.length).toBe(0);
    busy = false;
    commit.writerIdle();
    expect(calls.map((call) => call.target)).toEqual([2]);
    calls[0]!.finish();
    await waiting;
    busy = true;
    const next = commit.waitFor(3);
    for (let offset = 3; calls.length === 1 && offset < 100; offset++) commit.written(offset);
    expect(calls.length).toBe(2);
    expect(calls[1]!.target).toBeLessThanOrEqual(3 + groupCommitDeferredWritesMax);
    calls[1]!.finish();
    await next;
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
