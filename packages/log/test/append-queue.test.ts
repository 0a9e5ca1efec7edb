// Proves the append queue hands tasks to one writer in order, lets it take several at once,
// stays bounded, and that a failure is sticky: queued tasks fail with it and pushes stop.
import { describe, expect, it } from 'vitest';
import { AppendQueue, type QueuedTask } from '../src/append-queue.js';

class Task implements QueuedTask {
  settled: Error | null | undefined;
  constructor(
    readonly id: number,
    readonly sizeBytes = 1,
  ) {}
  settle(error: Error | null): void {
    this.settled = error;
  }
}

describe('AppendQueue', () => {
  it('processes in order with one writer, several tasks at a time', async () => {
    const seen: number[][] = [];
    let running = 0;
    const queue = new AppendQueue<Task>({ lengthMax: 100, bytesMax: 100 }, async (tasks) => {
      running += 1;
      expect(running).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const taken = tasks.slice(0, 3).map((task) => task.id);
      seen.push(taken);
      running -= 1;
      return taken.length;
    });
    const tasks = Array.from({ length: 8 }, (_, id) => new Task(id));
    for (const task of tasks) queue.push(task);
    await queue.idle();
    expect(seen.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(seen).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    expect(tasks.every((task) => task.settled === null)).toBe(true);
  });

  it('is bounded by count and bytes', () => {
    const queue = new AppendQueue<Task>(
      { lengthMax: 2, bytesMax: 10 },
      () => new Promise(() => {}),
    );
    expect(queue.hasRoomFor(11)).toBe(false);
    queue.push(new Task(0, 6));
    expect(queue.hasRoomFor(5)).toBe(false);
    expect(queue.hasRoomFor(4)).toBe(true);
    queue.push(new Task(1, 4));
    expect(queue.hasRoomFor(0)).toBe(false);
    expect(() => queue.push(new Task(2, 0))).toThrow(/full/);
  });

  it('fails every queued task after a failure and refuses pushes', async () => {
    const queue = new AppendQueue<Task>({ lengthMax: 10, bytesMax: 10 }, async () => {
      throw new Error('disk gone');
    });
    const tasks = [new Task(0), new Task(1)];
    for (const task of tasks) queue.push(task);
    await queue.idle();
    expect(tasks.map((task) => task.settled?.message)).toEqual(['disk gone', 'disk gone']);
    expect(queue.error?.message).toBe('disk gone');
    expect(() => queue.push(new Task(2))).toThrow(/failed/);
  });
});
