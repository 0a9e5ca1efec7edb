/**
 * A Clock whose time moves only when a test advances it; due timers fire in deadline order
 * (then scheduling order), including timers that earlier callbacks schedule.
 */
import type { Clock, Timer } from '../../src/groups/clock.js';

interface ScheduledTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private sequence = 0;
  private timers: ScheduledTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  schedule(delayMs: number, callback: () => void): Timer {
    const timer: ScheduledTimer = {
      dueMs: this.nowMs + Math.max(delayMs, 0),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms;
    for (;;) {
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      const next = this.timers
        .filter((timer) => timer.dueMs <= targetMs)
        .sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence)[0];
      if (next === undefined) break;
      next.cancelled = true;
      this.nowMs = next.dueMs;
      next.callback();
    }
    this.nowMs = targetMs;
  }

  get pendingTimerCount(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }
}
