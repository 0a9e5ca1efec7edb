/**
 * A Kafka endpoint that does no storage work: the client's own ceiling. kcat producing to it
 * pays for reading its input, batching and the TCP round trips, while the server only frames
 * and decodes requests; consuming from it, kcat gets whole batches up to its fetch size at
 * once, from memory. So kcat's rate here is the most any broker could show under the
 * same load on this machine, and the broker's rate is judged against it as well as against
 * the log engine.
 *
 * It answers ApiVersions; Metadata (every topic has partition 0, led by itself); Produce
 * (acknowledged at once, records counted per topic, nothing stored); ListOffsets (latest: the
 * end offset, earliest: 0); and Fetch of a topic given to `holdTopic`, which holds copies of
 * one batch in memory (baseOffset rewritten in each) and answers at its end with no records
 * at once, without a long poll. Calibration only: no limits, no validation.
 *
 *   offset  width  field
 *   0       4      size     int32, bytes that follow
 *   4       size   request  header (request-header.ts) then body
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  type AnyApi,
  apiVersionsApi,
  decodeRequestHeader,
  encodeResponseHeader,
  type FetchRequest,
  fetchApi,
  isFlexible,
  type ListOffsetsRequest,
  listOffsetsApi,
  type MetadataRequest,
  metadataApi,
  type ProduceRequest,
  produceApi,
  Reader,
  readRecordCount,
  responseHeaderIsFlexible,
  Writer,
  writeBaseOffset,
} from '@cairn/protocol';

const SIZE_OFFSET = 0;
const REQUEST_OFFSET = SIZE_OFFSET + 4;
const LATEST_TIMESTAMP = -1;
const nodeId = 0;
const apis: readonly AnyApi[] = [apiVersionsApi, metadataApi, produceApi, listOffsetsApi, fetchApi];

/** A topic served to Fetch: copies of one batch back to back, offsets from 0, in memory. */
interface HeldTopic {
  batches: Buffer;
  batchBytes: number;
  recordsPerBatch: number;
}

interface Topics {
  endOffsets: Map<string, number>;
  held: Map<string, HeldTopic>;
}

export interface NullBroker {
  readonly bootstrap: string;
  /** Serves `topic` to Fetch as `batchCount` copies of `batch` (one v2 batch). */
  holdTopic(topic: string, batch: Buffer, batchCount: number): void;
  close(): Promise<void>;
}

export async function startNullBroker(host = '127.0.0.1'): Promise<NullBroker> {
  const topics: Topics = { endOffsets: new Map(), held: new Map() };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    let chunks: Buffer[] = [];
    let bufferedBytes = 0;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      bufferedBytes += chunk.length;
      for (;;) {
        if (bufferedBytes < REQUEST_OFFSET) return;
        if (chunks[0]!.length < REQUEST_OFFSET) chunks = [Buffer.concat(chunks)];
        const frameEnd = REQUEST_OFFSET + chunks[0]!.readInt32BE(SIZE_OFFSET);
        if (bufferedBytes < frameEnd) return;
        // Joined once the whole frame is here: one copy per frame, as the broker makes.
        const joined = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        const response = answer(joined.subarray(REQUEST_OFFSET, frameEnd), port(), topics);
        if (response !== null) writeParts(socket, response);
        chunks = frameEnd === joined.length ? [] : [joined.subarray(frameEnd)];
        bufferedBytes -= frameEnd;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = () => {
    const address = server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  };
  return {
    bootstrap: `${host}:${port()}`,
    holdTopic(topic, batch, batchCount) {
      const recordsPerBatch = readRecordCount(batch);
      const batches = Buffer.allocUnsafe(batchCount * batch.length);
      for (let index = 0; index < batchCount; index++) {
        batch.copy(batches, index * batch.length);
        writeBaseOffset(batches, index * recordsPerBatch, index * batch.length);
      }
      topics.held.set(topic, { batches, batchBytes: batch.length, recordsPerBatch });
      topics.endOffsets.set(topic, recordsPerBatch * batchCount);
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The response frame to one request frame, or null (Produce with acks=0). */
function answer(frame: Buffer, port: number, topics: Topics): Buffer[] | null {
  const reader = new Reader(frame);
  const header = decodeRequestHeader(reader);
  const api = apis.find((candidate) => candidate.apiKey === header.apiKey);
  if (api === undefined) throw new Error(`null broker: API key ${header.apiKey} unsupported`);
  const flexible = isFlexible(api, header.apiVersion);
  if (flexible) reader.readTaggedFields();
  const request: unknown = api.decodeRequest(reader, header.apiVersion);
  const response = respond(api, request, port, topics);
  if (response === null) return null;
  const writer = new Writer();
  const sizePosition = writer.reserveInt32();
  const headerFlexible = responseHeaderIsFlexible(header.apiKey, flexible);
  encodeResponseHeader(writer, header.correlationId, headerFlexible);
  api.encodeResponse(writer, header.apiVersion, response);
  writer.patchInt32(sizePosition, writer.byteLength - REQUEST_OFFSET);
  return writer.finishParts();
}

/** A response's parts in one writev, as the broker writes them (connection.ts). */
function writeParts(socket: Socket, parts: readonly Buffer[]): void {
  socket.cork();
  for (const part of parts) socket.write(part);
  socket.uncork();
}

function respond(api: AnyApi, request: unknown, port: number, topics: Topics): unknown {
  if (api === apiVersionsApi) {
    const apiKeys = apis.map(({ apiKey, minVersion, maxVersion }) => ({
      apiKey,
      minVersion,
      maxVersion,
    }));
    return { errorCode: 0, apiKeys, throttleTimeMs: 0 };
  }
  if (api === metadataApi) {
    const requested = (request as MetadataRequest).topics ?? [];
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId, host: '127.0.0.1', port, rack: null }],
      clusterId: 'null-broker',
      controllerId: nodeId,
      topics: requested.map(({ name }) => ({
        errorCode: 0,
        name,
        isInternal: false,
        partitions: [onePartition()],
      })),
    };
  }
  if (api === produceApi) return acknowledge(request as ProduceRequest, topics.endOffsets);
  if (api === fetchApi) return serveFetch(request as FetchRequest, topics);
  return listOffsets(request as ListOffsetsRequest, topics.endOffsets);
}

function onePartition() {
  const replicas = [nodeId];
  const partition = { errorCode: 0, partitionIndex: 0, leaderId: nodeId };
  return { ...partition, replicaNodes: replicas, isrNodes: replicas, offlineReplicas: [] };
}

function acknowledge(request: ProduceRequest, endOffsets: Map<string, number>) {
  const responses = request.topicData.map((topic) => ({
    name: topic.name,
    partitionResponses: topic.partitionData.map(({ index, records }) => {
      const baseOffset = endOffsets.get(topic.name) ?? 0;
      const recordCount = records === null ? 0 : readRecordCount(records);
      endOffsets.set(topic.name, baseOffset + recordCount);
      return { index, errorCode: 0, baseOffset, logAppendTimeMs: -1, logStartOffset: 0 };
    }),
  }));
  return request.acks === 0 ? null : { responses, throttleTimeMs: 0 };
}

function listOffsets(request: ListOffsetsRequest, endOffsets: Map<string, number>) {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map(({ partitionIndex, timestamp }) => ({
        partitionIndex,
        errorCode: 0,
        timestamp: -1,
        offset: timestamp === LATEST_TIMESTAMP ? (endOffsets.get(topic.name) ?? 0) : 0,
      })),
    })),
  };
}

/**
 * Whole batches from the one holding the fetch offset, as many as partitionMaxBytes holds and
 * at least one (KIP-74), as the broker answers: a view of the held bytes, sent by reference
 * (writev), as the broker sends what it read. (An earlier copy here was kept because a view
 * once measured slower for kcat; kcat's CPU per record measured the same both ways since,
 * 0.29-0.33 us, against the broker with and without zero-copy fetch.)
 */
function serveFetch(request: FetchRequest, topics: Topics) {
  const responses = request.topics.map(({ topic, partitions }) => ({
    topic,
    partitions: partitions.map(({ partition, fetchOffset, partitionMaxBytes }) => {
      const held = topics.held.get(topic);
      const endOffset = topics.endOffsets.get(topic) ?? 0;
      const records =
        held === undefined || fetchOffset >= endOffset
          ? Buffer.alloc(0)
          : heldBatches(held, fetchOffset, partitionMaxBytes);
      return {
        partitionIndex: partition,
        errorCode: 0,
        highWatermark: endOffset,
        lastStableOffset: endOffset,
        logStartOffset: 0,
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      };
    }),
  }));
  return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses };
}

function heldBatches(held: HeldTopic, fetchOffset: number, maxBytes: number): Buffer {
  const start = Math.floor(fetchOffset / held.recordsPerBatch) * held.batchBytes;
  const fitting = Math.max(1, Math.floor(maxBytes / held.batchBytes)) * held.batchBytes;
  return held.batches.subarray(start, Math.min(start + fitting, held.batches.length));
}
