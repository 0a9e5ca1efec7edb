/** A Clock that moves only when a test moves it. */
import type { Clock } from '../../src/clock.js';

export class ManualClock implements Clock {
  constructor(private nowMs = 1_000_000) {}

  now(): number {
    return this.nowMs;
  }

  advance(ms: number): void {
    this.nowMs += ms;
  }
}
