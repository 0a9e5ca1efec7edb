// Proves that retry() repeats only retriable failures, with exponential backoff bounded by
// its cap and jittered by +-20%, and that the typed errors carry Kafka's name and flags.
import { ErrorCode } from '@cairn/protocol';
import { describe, expect, it } from 'vitest';
import {
  ClosedError,
  ConnectionError,
  callsForMetadataRefresh,
  errorFromCode,
  isRetriable,
  KafkaClientError,
  TimeoutError,
} from '../src/errors.js';
import { backoffMs, retry } from '../src/retry.js';

describe('retry', () => {
  it('retries retriable errors until the call succeeds', async () => {
    const attempts: number[] = [];
    const result = await retry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 2) throw errorFromCode(ErrorCode.NOT_LEADER_OR_FOLLOWER, { topic: 't' });
        return 'done';
      },
      { retries: 5, initialBackoffMs: 1, maxBackoffMs: 2 },
    );
    expect(result).toBe('done');
    expect(attempts).toEqual([0, 1, 2]);
  });

  it('does not retry a fatal error', async () => {
    let calls = 0;
    const fatal = errorFromCode(ErrorCode.TOPIC_AUTHORIZATION_FAILED, { topic: 't' });
    await expect(
      retry(
        async () => {
          calls++;
          throw fatal;
        },
        { retries: 5, initialBackoffMs: 1 },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('does not retry programming errors', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new TypeError('bug');
      }),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });

  it('gives up after `retries` retries with the last error', async () => {
    let calls = 0;
    const retried: number[] = [];
    await expect(
      retry(
        async () => {
          calls++;
          throw new ConnectionError(`attempt ${calls}`);
        },
        {
          retries: 3,
          initialBackoffMs: 1,
          onRetry: (_error, attempt) => void retried.push(attempt),
        },
      ),
    ).rejects.toThrow('attempt 4');
    expect(calls).toBe(4);
    expect(retried).toEqual([0, 1, 2]);
  });

  it('backs off exponentially up to the cap, with jitter', () => {
    const options = { initialBackoffMs: 100, maxBackoffMs: 1_000 };
    for (let sample = 0; sample < 200; sample++) {
      const first = backoffMs(0, options);
      expect(first).toBeGreaterThanOrEqual(80);
      expect(first).toBeLessThanOrEqual(120);
      const third = backoffMs(2, options);
      expect(third).toBeGreaterThanOrEqual(320);
      expect(third).toBeLessThanOrEqual(480);
      const capped = backoffMs(20, options);
      expect(capped).toBeGreaterThanOrEqual(800);
      expect(capped).toBeLessThanOrEqual(1_200);
    }
    const spread = new Set(Array.from({ length: 50 }, () => backoffMs(3, options)));
    expect(spread.size).toBeGreaterThan(5);
  });
});

describe('errors', () => {
  it('names the Kafka error, its retriability and the partition', () => {
    const error = errorFromCode(ErrorCode.NOT_LEADER_OR_FOLLOWER, {
      topic: 'orders',
      partition: 3,
    });
    expect(error).toBeInstanceOf(KafkaClientError);
    expect(error).toMatchObject({
      code: 6,
      errorName: 'NOT_LEADER_OR_FOLLOWER',
      retriable: true,
      topic: 'orders',
      partition: 3,
    });
    expect(error.message).toMatch(/^NOT_LEADER_OR_FOLLOWER: .*\(topic orders, partition 3\)$/);
    expect(callsForMetadataRefresh(error.code)).toBe(true);
    expect(errorFromCode(ErrorCode.TOPIC_ALREADY_EXISTS).retriable).toBe(false);
    expect(errorFromCode(999).errorName).toBe('UNKNOWN_ERROR_999');
  });

  it('classifies client-side errors', () => {
    expect(isRetriable(new TimeoutError('slow'))).toBe(true);
    expect(isRetriable(new ConnectionError('gone'))).toBe(true);
    expect(isRetriable(new ClosedError('closed'))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable(ErrorCode.LEADER_NOT_AVAILABLE)).toBe(true);
    expect(isRetriable(ErrorCode.INVALID_PARTITIONS)).toBe(false);
  });
});
