/**
 * A lean Kafka client for load, built to measure the broker rather than itself. kcat
 * (librdkafka) spends ~0.3-0.5 us of CPU per record reading, batching and formatting records,
 * on a 2-core machine it shares with the broker; this client does no work per record:
 *
 * - produce: one Produce request frame (v7, one partition, one v2 batch without producer id or
 *   sequence) is built once and written `batchCount` times, `window` requests in flight. The
 *   broker assigns offsets in its own copy of the bytes, so the same bytes are valid each time.
 * - fetch: Fetch requests (v11) for partition 0, `window` in flight. A topic written by
 *   `rawProduce` (or a null broker's held topic) is identical batches from offset 0, so a fetch
 *   of `batchesPerFetch * batchBytes` bytes at offset k * recordsPerBatch returns exactly that
 *   many whole batches, and the next fetch's offset is known before the answer comes: fetches
 *   pipeline. Each answer is checked (its first baseOffset, its record count, both read from
 *   batch headers); no record is decoded.
 *
 * Back of the envelope: per 1 MB request or response the client copies the frame out of its
 * socket chunks once (~0.1 ms) and reads ~1 batch header; the kernel's socket copies are the
 * rest. So it needs ~0.1-0.2 core at 1 GB/s, where kcat needs more than one core at 250 MB/s.
 * It allocates nothing per response either: the socket reads into one buffer (`onread`), and
 * response frames are reused once their reader is done (`recycle`). Without that, ~1 GB/s of
 * new buffers outside V8's heap forced a major GC every few dozen ms, and those GCs cost more
 * than everything else the client did.
 *
 *   offset  width  field
 *   0       4      size      int32, bytes that follow
 *   4       size   message   request: header (request-header.ts) then body;
 *                            response: correlationId int32 then body (header v0: no API
 *                            used here is flexible at the versions sent)
 */
import { connect, type Socket } from 'node:net';
import {
  ErrorCode,
  encodeRequestHeader,
  type FetchRequest,
  fetchApi,
  metadataApi,
  produceApi,
  Reader,
  readBaseOffset,
  readBatchSizeBytes,
  readRecordCount,
  Writer,
} from '@cairn/protocol';

const SIZE_OFFSET = 0;
const MESSAGE_OFFSET = SIZE_OFFSET + 4;
const CORRELATION_ID_BYTES = 4;
const produceVersion = 7;
const fetchVersion = 11;
const metadataVersion = 4;
const clientId = 'cairn-raw-client';
/** Produce acks=-1 waits for the fsync: this bounds how long the broker may take. */
const produceTimeoutMs = 30_000;
/** Largest response frame accepted: a bug in the broker must not make the client allocate. */
const responseBytesMax = 256 * 1024 * 1024;
/** A run that takes longer fails (a broker that stops answering must not hang a benchmark). */
const runMsMax = 120_000;
/** The socket reads into one buffer of this size. */
const socketReadBytes = 256 * 1024;
/** Response frames kept for reuse (more than a fetch window's worth). */
const freeFramesMax = 16;

export interface RawRun {
  /** From the first request written to the last response read. */
  seconds: number;
  /** This process's CPU time over the same span (every thread). */
  cpuSeconds: number;
  recordCount: number;
}

/** Wall and CPU time from `start()` to `stop()`. */
function stopwatch() {
  const wallStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  return () => {
    const cpu = process.cpuUsage(cpuStart);
    return {
      seconds: Number(process.hrtime.bigint() - wallStart) / 1e9,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  };
}

/**
 * One connection, requests written back to back and answered in order (Kafka's rule per
 * connection), so the responses are matched to requests by position alone.
 */
export class RawConnection {
  private readonly waiting: Array<{
    resolve: (response: Buffer) => void;
    reject: (error: Error) => void;
  }> = [];
  private frame: Buffer | null = null;
  private readonly freeFrames: Buffer[] = [];
  private frameFilled = 0;
  private sizeBytes = Buffer.alloc(MESSAGE_OFFSET);
  private sizeFilled = 0;
  private failure: Error | null = null;
  private readonly deadline: NodeJS.Timeout;

  private constructor(private readonly socket: Socket) {
    this.deadline = setTimeout(() => {
      const waiting = this.waiting.length;
      this.fail(new Error(`no answer within ${runMsMax} ms (${waiting} requests waiting)`));
      socket.destroy();
    }, runMsMax);
    socket.setNoDelay(true);
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the broker closed the connection')));
  }

  static connect(bootstrap: string): Promise<RawConnection> {
    const [host, port] = splitHostPort(bootstrap);
    return new Promise((resolve, reject) => {
      let connection: RawConnection | undefined;
      const onread = {
        buffer: Buffer.allocUnsafeSlow(socketReadBytes),
        callback: (byteCount: number, buffer: Uint8Array) => {
          connection?.onData(buffer.subarray(0, byteCount) as Buffer);
          return true;
        },
      };
      const socket = connect({ host, port, onread }, () => {
        socket.off('error', reject);
        connection = new RawConnection(socket);
        resolve(connection);
      });
      socket.once('error', reject);
    });
  }

  /** Gives a response back once nothing refers to it any more: a later one may reuse it. */
  recycle(response: Buffer): void {
    if (response.byteOffset !== 0 || this.freeFrames.length >= freeFramesMax) return;
    this.freeFrames.push(Buffer.from(response.buffer));
  }

  /** A frame of `size` bytes: a recycled one when one is large enough. */
  private newFrame(size: number): Buffer {
    const index = this.freeFrames.findIndex((frame) => frame.length >= size);
    if (index < 0) return Buffer.allocUnsafeSlow(size);
    const [frame] = this.freeFrames.splice(index, 1);
    return frame!.subarray(0, size);
  }

  /** Writes a whole request frame; resolves with the response after its size prefix. */
  request(frame: Buffer): Promise<Buffer> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.socket.write(frame);
    });
  }

  close(): void {
    clearTimeout(this.deadline);
    this.fail(new Error('closed'));
    this.socket.destroy();
  }

  /** Rejects the requests waiting and every later one. */
  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure);
  }

  /**
   * Copies each chunk (valid only during this call: the socket's one read buffer) into the
   * frame it belongs to, taken once its size is known.
   */
  private onData(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        const copied = chunk.copy(this.sizeBytes, this.sizeFilled, at, at + MESSAGE_OFFSET);
        this.sizeFilled += copied;
        at += copied;
        if (this.sizeFilled < MESSAGE_OFFSET) return;
        const size = this.sizeBytes.readInt32BE(SIZE_OFFSET);
        if (size < CORRELATION_ID_BYTES || size > responseBytesMax) {
          this.fail(new Error(`response frame of ${size} bytes`));
          this.socket.destroy();
          return;
        }
        this.frame = this.newFrame(size);
        this.frameFilled = 0;
        this.sizeFilled = 0;
      }
      const copied = chunk.copy(this.frame, this.frameFilled, at);
      this.frameFilled += copied;
      at += copied;
      if (this.frameFilled === this.frame.length) {
        const response = this.frame;
        this.frame = null;
        this.waiting.shift()?.resolve(response);
      }
    }
  }
}

/** A request frame: size, header (v1: none of these API versions is flexible), body. */
function requestFrame(
  apiKey: number,
  apiVersion: number,
  writeBody: (writer: Writer) => void,
): Buffer {
  const writer = new Writer();
  const sizePosition = writer.reserveInt32();
  encodeRequestHeader(writer, { apiKey, apiVersion, correlationId: 0, clientId }, false);
  writeBody(writer);
  writer.patchInt32(sizePosition, writer.byteLength - MESSAGE_OFFSET);
  return writer.finishCopy();
}

/** A reader over a response's body (after its correlation id). */
function responseBody(response: Buffer): Reader {
  return new Reader(response.subarray(CORRELATION_ID_BYTES));
}

/** Metadata for `topic` with auto-creation: the broker creates it as Kafka does. */
export async function ensureTopic(connection: RawConnection, topic: string): Promise<void> {
  const frame = requestFrame(metadataApi.apiKey, metadataVersion, (writer) =>
    metadataApi.encodeRequest(writer, metadataVersion, {
      topics: [{ name: topic }],
      allowAutoTopicCreation: true,
    }),
  );
  const metadata = metadataApi.decodeResponse(
    responseBody(await connection.request(frame)),
    metadataVersion,
  );
  const found = metadata.topics.find((candidate) => candidate.name === topic);
  if (found === undefined || found.errorCode !== ErrorCode.NONE) {
    throw new Error(`metadata for ${topic}: error ${found?.errorCode ?? 'topic missing'}`);
  }
}

/** Runs `count` operations with at most `window` in flight; `start(i)` begins the i-th. */
async function pipelined(
  count: number,
  window: number,
  start: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await start(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

export interface RawProduceLoad {
  bootstrap: string;
  topic: string;
  /** One v2 batch, sent as it is `batchCount` times. */
  batch: Buffer;
  batchCount: number;
  window: number;
  /** 1 or -1 (all). */
  acks: number;
}

/** Produces `batchCount` copies of `batch` to partition 0; each answer must be error-free. */
export async function rawProduce(load: RawProduceLoad): Promise<RawRun> {
  const connection = await RawConnection.connect(load.bootstrap);
  try {
    await ensureTopic(connection, load.topic);
    const frame = requestFrame(produceApi.apiKey, produceVersion, (writer) =>
      produceApi.encodeRequest(writer, produceVersion, {
        transactionalId: null,
        acks: load.acks,
        timeoutMs: produceTimeoutMs,
        topicData: [{ name: load.topic, partitionData: [{ index: 0, records: load.batch }] }],
      }),
    );
    const recordsPerBatch = readRecordCount(load.batch);
    const stop = stopwatch();
    await pipelined(load.batchCount, load.window, async () => {
      const body = responseBody(await connection.request(frame));
      const response = produceApi.decodeResponse(body, produceVersion);
      const errorCode = response.responses[0]?.partitionResponses[0]?.errorCode;
      if (errorCode !== ErrorCode.NONE) throw new Error(`produce answered error ${errorCode}`);
    });
    return { ...stop(), recordCount: load.batchCount * recordsPerBatch };
  } finally {
    connection.close();
  }
}

export interface RawFetchLoad {
  bootstrap: string;
  topic: string;
  /** The shape of every batch of the topic (written by rawProduce or a null broker). */
  recordsPerBatch: number;
  batchBytes: number;
  /** Offsets 0 to endOffset are read. */
  endOffset: number;
  batchesPerFetch: number;
  window: number;
}

/** Reads partition 0 from offset 0 to `endOffset`; checks every answer from its headers. */
export async function rawFetch(load: RawFetchLoad): Promise<RawRun> {
  const connection = await RawConnection.connect(load.bootstrap);
  try {
    const recordsPerFetch = load.recordsPerBatch * load.batchesPerFetch;
    const fetchBytes = load.batchBytes * load.batchesPerFetch;
    const fetchCount = Math.ceil(load.endOffset / recordsPerFetch);
    let recordCount = 0;
    const stop = stopwatch();
    await pipelined(fetchCount, load.window, async (index) => {
      const fetchOffset = index * recordsPerFetch;
      const frame = fetchFrame(load.topic, fetchOffset, fetchBytes);
      const response = await connection.request(frame);
      const expected = Math.min(recordsPerFetch, load.endOffset - fetchOffset);
      recordCount += countRecords(fetchedRecords(response), fetchOffset, expected);
      connection.recycle(response);
    });
    return { ...stop(), recordCount };
  } finally {
    connection.close();
  }
}

function fetchFrame(topic: string, fetchOffset: number, fetchBytes: number): Buffer {
  const request: FetchRequest = {
    replicaId: -1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: fetchBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [
          {
            partition: 0,
            currentLeaderEpoch: -1,
            fetchOffset,
            logStartOffset: -1,
            partitionMaxBytes: fetchBytes,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
  return requestFrame(fetchApi.apiKey, fetchVersion, (writer) =>
    fetchApi.encodeRequest(writer, fetchVersion, request),
  );
}

/** The records of the one partition of a Fetch response (a view, not copied). */
function fetchedRecords(response: Buffer): Buffer {
  const decoded = fetchApi.decodeResponse(responseBody(response), fetchVersion);
  const partition = decoded.responses[0]?.partitions[0];
  if (partition === undefined || partition.errorCode !== ErrorCode.NONE) {
    throw new Error(`fetch answered error ${partition?.errorCode ?? '(no partition)'}`);
  }
  return partition.records ?? Buffer.alloc(0);
}

/** Records of whole batches, from headers; the answer must start at `fetchOffset`. */
function countRecords(records: Buffer, fetchOffset: number, expected: number): number {
  let recordCount = 0;
  let at = 0;
  if (records.length > 0 && readBaseOffset(records) !== fetchOffset) {
    throw new Error(`fetch at ${fetchOffset} answered from ${readBaseOffset(records)}`);
  }
  while (at < records.length) {
    recordCount += readRecordCount(records, at);
    at += readBatchSizeBytes(records, at);
  }
  if (recordCount !== expected) {
    throw new Error(`fetch at ${fetchOffset}: ${recordCount} records, ${expected} expected`);
  }
  return recordCount;
}

function splitHostPort(bootstrap: string): [string, number] {
  const colon = bootstrap.lastIndexOf(':');
  return [bootstrap.slice(0, colon), Number(bootstrap.slice(colon + 1))];
}
