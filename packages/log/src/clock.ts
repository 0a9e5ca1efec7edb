/**
 * Time, injected (Kafka passes `Time`): segment.ms rolls, retention.ms, LogAppendTime and
 * flush.ms read it, so tests can move time instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
