/**
 * Retries with exponential backoff and jitter (Kafka's ExponentialBackoff: retry.backoff.ms
 * doubling up to retry.backoff.max.ms, each wait scaled by a random factor in [0.8, 1.2] so that
 * clients that failed together do not retry together). Only retriable errors are retried
 * (errors.ts: isRetriable); any other error, and the last retriable one, is thrown as it is.
 */

import {
  retriesDefault,
  retryBackoffMsDefault,
  retryBackoffMsMax,
  retryJitterRatio,
} from './constants.js';
import { isRetriable } from './errors.js';

export interface RetryOptions {
  /** Attempts after the first one; 0 runs `fn` once. */
  retries?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface RetryHooks {
  /**
   * Called before each wait with the error and the number of the attempt that failed (0 for
   * the first). A rejection stops the retries with that error. Used to refresh metadata.
   */
  onRetry?: (error: unknown, attempt: number, backoffMs: number) => void | Promise<void>;
  /** Overrides which errors are retried (default: isRetriable). */
  shouldRetry?: (error: unknown) => boolean;
  /** Stops waiting and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions & RetryHooks = {},
): Promise<T> {
  const retries = options.retries ?? retriesDefault;
  const shouldRetry = options.shouldRetry ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error)) throw error;
      const waitMs = backoffMs(attempt, options);
      await options.onRetry?.(error, attempt, waitMs);
      await sleep(waitMs, options.signal);
    }
  }
}

/** The wait after failed attempt `attempt` (0-based): initial * 2^attempt, capped, jittered. */
export function backoffMs(attempt: number, options: RetryOptions = {}): number {
  const initial = options.initialBackoffMs ?? retryBackoffMsDefault;
  const max = Math.max(initial, options.maxBackoffMs ?? retryBackoffMsMax);
  const exponential = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  const jitter = 1 - retryJitterRatio + Math.random() * 2 * retryJitterRatio;
  return Math.max(0, Math.round(exponential * jitter));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
