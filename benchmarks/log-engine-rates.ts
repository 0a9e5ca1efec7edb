/**
 * The log engine's own rates, in this process, on the machine the broker runs on: the ceiling
 * the broker is compared with. Appends take whole batches of the shape the broker was given,
 * `appendWindow` of them in flight (what a pipelining client such as librdkafka gives the
 * broker), each optionally awaited to its fsync (acks=-1: group commit). Each of the
 * `appendWindow` appenders owns one copy of the batch and appends it again once its previous
 * append resolved (the log is done with a buffer then; it rewrites baseOffset in place), so the
 * engine is measured without the allocation the broker makes per request. The read walks the
 * log from offset 0 in reads of `readBytesMax`, as a consumer's fetches do, into one buffer.
 * CPU time is this process's (every thread, libuv's pool included), as the broker's is.
 *
 * The caller opens the log (`openLog`) and closes it after the clock stops: closing flushes
 * and opening recovers, neither of which is what is measured.
 */
import { defaultLogConfig, PartitionLog, type ReadBuffers, silentLogLogger } from '@cairn/log';
import { assert, RECORD_BATCH_OVERHEAD, readBatchSizeBytes, readLastOffset } from '@cairn/protocol';
import { machineBusyCpuSeconds, ownCpuSeconds } from './cpu-time.js';

export interface LogEngineSample {
  seconds: number;
  recordCount: number;
  cpuSeconds: number;
  /** CPU seconds the rest of the machine (other processes, the kernel's own threads) used. */
  otherCpuSeconds: number;
  /** fsyncs the appends shared (group commit); 0 without fsync and for reads. */
  syncCount: number;
}

export interface AppendLoad {
  batch: Buffer;
  batchCount: number;
  appendWindow: number;
  fsync: boolean;
}

interface Clock {
  start: bigint;
  ownCpu: number;
  machineCpu: number;
}

function startClock(): Clock {
  const machineCpu = machineBusyCpuSeconds();
  return { start: process.hrtime.bigint(), ownCpu: ownCpuSeconds(), machineCpu };
}

function stopClock(clock: Clock) {
  const seconds = Number(process.hrtime.bigint() - clock.start) / 1e9;
  const cpuSeconds = ownCpuSeconds() - clock.ownCpu;
  const otherCpuSeconds = machineBusyCpuSeconds() - clock.machineCpu - cpuSeconds;
  return { seconds, cpuSeconds, otherCpuSeconds };
}

/** Opens (creating) the log in `dir` with Kafka's default config, as the broker's topics get. */
export function openLog(dir: string): Promise<PartitionLog> {
  return PartitionLog.open(dir, defaultLogConfig, { logger: silentLogLogger });
}

/** Appends `batchCount` copies of `batch`; `recordCount` counts what this call appended. */
export async function measureLogAppend(
  log: PartitionLog,
  load: AppendLoad,
): Promise<LogEngineSample> {
  const endBefore = log.logEndOffset;
  const syncsBefore = log.probe.syncCount;
  let remaining = load.batchCount;
  const copies = Array.from({ length: load.appendWindow }, () => Buffer.from(load.batch));
  const appender = async (own: Buffer) => {
    while (remaining > 0) {
      remaining -= 1;
      const { lastOffset } = await log.append(own);
      if (load.fsync) await log.flushedTo(lastOffset + 1);
    }
  };
  const clock = startClock();
  await Promise.all(copies.map(appender));
  const times = stopClock(clock);
  const recordCount = log.logEndOffset - endBefore;
  return { ...times, recordCount, syncCount: log.probe.syncCount - syncsBefore };
}

/**
 * Reads the whole of `log` from offset 0 (its logStartOffset must be 0), each read into the
 * same buffer (the engine's fastest read; the broker's Fetch reuses pooled buffers likewise).
 */
export async function measureLogRead(
  log: PartitionLog,
  readBytesMax: number,
): Promise<LogEngineSample> {
  const reused = Buffer.allocUnsafeSlow(readBytesMax + RECORD_BATCH_OVERHEAD);
  const buffers: ReadBuffers = {
    allocate: (length) =>
      length <= reused.length ? reused.subarray(0, length) : Buffer.allocUnsafe(length),
  };
  const clock = startClock();
  let offset = 0;
  while (offset < log.highWatermark) {
    const { records } = await log.read(offset, readBytesMax, undefined, buffers);
    let last = 0;
    for (let at = 0; at < records.length; at += readBatchSizeBytes(records, at)) last = at;
    offset = readLastOffset(records, last) + 1;
  }
  const times = stopClock(clock);
  assert(offset === log.highWatermark, `read to ${offset} of ${log.highWatermark}`);
  return { ...times, recordCount: offset, syncCount: 0 };
}
