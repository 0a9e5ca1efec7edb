// Proves the harness's latency statistics: the send schedule says which records are due when,
// the recorder's percentiles match known inputs, coordinated omission is corrected (a stalled
// sender's records count their wait from the time they were due), and latency values carry
// their two times through the bytes a target sends.
import { describe, expect, it } from 'vitest';
import { latencyValue, parseLatencyValue, recordValue } from '../harness/record-values.js';
import { LatencyRecorder, relativeSpread, SendSchedule } from '../harness/stats.js';

describe('SendSchedule', () => {
  it('spaces records 1/rate apart from the start', () => {
    const schedule = new SendSchedule(1000, 5_000, 10);
    expect(schedule.intendedMicros(0)).toBe(5_000);
    expect(schedule.intendedMicros(3)).toBe(8_000);
  });

  it('counts the records due by a time, capped at the count', () => {
    const schedule = new SendSchedule(1000, 0, 10);
    expect(schedule.dueCount(-1)).toBe(0);
    expect(schedule.dueCount(0)).toBe(1);
    expect(schedule.dueCount(2_500)).toBe(3);
    expect(schedule.dueCount(1e9)).toBe(10);
  });
});

describe('LatencyRecorder', () => {
  it('reports percentiles of what it recorded (within 0.1%)', () => {
    const recorder = new LatencyRecorder();
    for (let micros = 1; micros <= 1000; micros++) recorder.record(0, 0, micros);
    const { corrected } = recorder.summary();
    expect(corrected.count).toBe(1000);
    expect(corrected.p50).toBeCloseTo(500, -1);
    expect(corrected.p99).toBeCloseTo(990, -1);
    expect(corrected.max).toBeGreaterThanOrEqual(1000);
    expect(corrected.max).toBeLessThanOrEqual(1001);
    const curve = recorder.curve();
    expect(curve.at(0)!.percentile).toBe(0);
    expect(curve.at(-1)).toEqual({ percentile: 100, micros: corrected.max });
    expect(recorder.encoded()).toMatch(/^[A-Za-z0-9+/=]+$/);
    recorder.destroy();
  });

  it('corrects for coordinated omission: a 200 ms stall counts for every record due in it', () => {
    // 1,000 records/s for 1 s, each served in 1 ms, but the sender stalls from 400 to 600 ms:
    // the 200 records due in the stall leave at 600 ms. Measured from when they left they look
    // as fast as the rest (1 ms); measured from when they were due, they waited up to 200 ms.
    const schedule = new SendSchedule(1000, 0, 1000);
    const recorder = new LatencyRecorder();
    for (let index = 0; index < schedule.recordCount; index++) {
      const intended = schedule.intendedMicros(index);
      const sent = intended >= 400_000 && intended < 600_000 ? 600_000 : intended;
      recorder.record(intended, sent, sent + 1_000);
    }
    const { corrected, uncorrected } = recorder.summary();
    expect(uncorrected.p99).toBeLessThanOrEqual(1_001);
    expect(uncorrected.max).toBeLessThanOrEqual(1_001);
    // 20% of the records waited 1-201 ms: p90 sits in the stall, p99 near its start.
    expect(corrected.p50).toBeLessThanOrEqual(1_001);
    expect(corrected.p99).toBeGreaterThan(150_000);
    expect(corrected.max).toBeGreaterThan(200_000);
    expect(corrected.max).toBeLessThan(202_000);
    recorder.destroy();
  });

  it('clamps values outside its range instead of throwing', () => {
    const recorder = new LatencyRecorder();
    recorder.record(100, 100, 50);
    recorder.record(0, 0, 1e12);
    expect(recorder.count).toBe(2);
    expect(recorder.summary().corrected.max).toBeGreaterThanOrEqual(59_000_000);
    recorder.destroy();
  });
});

describe('relativeSpread', () => {
  it('is the range over the median', () => {
    expect(relativeSpread({ median: 100, min: 90, max: 110 })).toBeCloseTo(0.2);
    expect(relativeSpread({ median: 0, min: 0, max: 0 })).toBe(0);
  });
});

describe('record values', () => {
  it('have the asked size, no newline, and are the same on every call', () => {
    for (const bytes of [100, 1024, 10 * 1024]) {
      const value = recordValue(7, bytes);
      expect(value.length).toBe(bytes);
      expect(value.includes(0x0a)).toBe(false);
      expect(recordValue(7, bytes).equals(value)).toBe(true);
    }
    expect(recordValue(1, 100).equals(recordValue(2, 100))).toBe(false);
  });

  it('carry the intended and sent times of a latency run', () => {
    const value = latencyValue(123_456_789.4, 123_456_900.6, 100);
    expect(value.length).toBe(100);
    expect(value.includes(0x0a)).toBe(false);
    expect(parseLatencyValue(value)).toEqual({
      intendedMicros: 123_456_789,
      sentMicros: 123_456_901,
    });
  });

  it('tell a probe or a foreign value from a latency value', () => {
    expect(parseLatencyValue(Buffer.from('probe'))).toBeNull();
    expect(parseLatencyValue(Buffer.from('12,'))).toBeNull();
    expect(parseLatencyValue(Buffer.from(',12,'))).toBeNull();
    expect(parseLatencyValue(recordValue(0, 100))).toBeNull();
  });
});
