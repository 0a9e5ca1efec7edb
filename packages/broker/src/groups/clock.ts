/**
 * Time for the group coordinator: the current time and one-shot timers. The coordinator takes
 * a Clock instead of calling Date.now() and setTimeout(), as Kafka's coordinator takes `Time`,
 * so tests drive session timeouts and rebalance delays by advancing a manual clock.
 */

/** A scheduled callback; cancelling it after it ran, or twice, does nothing. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `callback` once, `delayMs` from now, unless the returned timer is cancelled first. */
  schedule(delayMs: number, callback: () => void): Timer;
}

/** setTimeout's largest delay; a longer one would fire at once. */
const timeoutDelayMsMax = 2 ** 31 - 1;

/** Wall-clock time and Node timers. Timers are unref'd: they never keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  schedule(delayMs, callback) {
    const delay = Math.min(Math.max(delayMs, 0), timeoutDelayMsMax);
    const handle = setTimeout(callback, delay);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
