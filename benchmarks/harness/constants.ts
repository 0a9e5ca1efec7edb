/**
 * Every limit, window and timeout of the benchmark harness, in one place. Units come last in
 * the name. The windows are what each client keeps in flight: deep enough that the server,
 * not the round trip, sets the pace, and bounded so a slow server applies backpressure
 * instead of filling the harness's memory.
 */
import { assert } from '@cairn/protocol';

/** Latencies above this (60 s) are clamped into the histogram's top bucket. */
export const latencyMicrosMax = 60_000_000;

/** A peer or the broker must say it is listening within this. */
export const serverStartTimeoutMs = 30_000;
/** After SIGTERM a server gets this long to exit before SIGKILL. */
export const serverStopTimeoutMs = 20_000;

/** Redis: XADDs per pipeline, and pipelines awaited at once per producer connection. */
export const redisPipelineRecords = 1_000;
export const redisPipelinesInFlight = 4;
/** Redis: entries asked for per XREAD / XREADGROUP / XRANGE call. */
export const redisReadCount = 5_000;

/** NATS: publishes awaiting their ack per producer connection. */
export const natsPublishWindow = 4_096;
/** NATS: messages a pull consumer asks for per request. */
export const natsPullBatch = 5_000;
/** NATS: the stream a producer's records stick to before moving to the next partition. */
export const stickyRecords = 1_000;

/** @cairn/client: records per send() call, and calls awaited at once per producer. */
export const clientSendRecords = 1_000;
export const clientSendsInFlight = 16;

/** kcat / librdkafka: records queued in the producer (queue.buffering.max.messages). */
export const kcatQueueRecordsMax = 1_000_000;
/** kcat 1.7's producer reads stdin 1 KiB at a time, each read blocking until it is full. */
export const kcatStdinReadBytes = 1024;
/** librdkafka's default fetch size per partition; the harness states it rather than relies on it. */
export const kcatFetchBytesMax = 1024 * 1024;

/** Latency runs: the sender wakes at most this often (Node's timers resolve 1 ms). */
export const latencyTickMs = 1;
/** Latency runs: after the last send, records still in flight get this long to arrive. */
export const latencyDrainMs = 10_000;
/** Latency runs: the consumer must be receiving within this before the schedule starts. */
export const latencyReadyTimeoutMs = 30_000;

/** A consumer that receives nothing for this long while records are missing gives up. */
export const readIdleMsMax = 10_000;

/** A timed consume or produce that has not finished by then is a failed repetition. */
export const runTimeoutMs = 300_000;

/** Produce runs: no repetition moves more than this many bytes of record values. */
export const produceBytesPerRunMax = 2 * 1024 ** 3;

/** Machine limits: sizes of the probes (scaled down by --quick). */
export const diskProbeChunkBytes = 1024 * 1024;
export const fsyncProbeWriteBytes = 4096;
export const tcpProbeChunkBytes = 256 * 1024;

assert(redisPipelineRecords <= redisReadCount, 'a read should cover at least one pipeline');
assert(latencyTickMs * 1000 < latencyDrainMs, 'the drain outlasts many sender ticks');
