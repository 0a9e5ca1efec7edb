// Proves the defaults are Kafka's and pass validation, and that an out-of-range field is
// refused with INVALID_CONFIG naming the Kafka config.
import { describe, expect, it } from 'vitest';
import { defaultLogConfig, validateLogConfig } from '../src/config.js';

describe('LogConfig', () => {
  it('has Kafka defaults that validate', () => {
    expect(defaultLogConfig.segmentBytes).toBe(1024 ** 3);
    expect(defaultLogConfig.indexIntervalBytes).toBe(4096);
    expect(defaultLogConfig.maxMessageBytes).toBe(1048588);
    expect(defaultLogConfig.retentionMs).toBe(604_800_000);
    expect(() => validateLogConfig(defaultLogConfig)).not.toThrow();
  });

  it('names the Kafka config in INVALID_CONFIG', () => {
    expect(() => validateLogConfig({ ...defaultLogConfig, segmentBytes: 2 ** 31 })).toThrow(
      expect.objectContaining({
        errorName: 'INVALID_CONFIG',
        message: expect.stringMatching(/segment.bytes/),
      }),
    );
    expect(() => validateLogConfig({ ...defaultLogConfig, retentionMs: -2 })).toThrow(
      /retention.ms/,
    );
    expect(() =>
      validateLogConfig({ ...defaultLogConfig, cleanupPolicy: 'nope' as 'delete' }),
    ).toThrow(/cleanup.policy/);
  });
});
