/**
 * The two admin calls the harness makes on Cairn, CreateTopics and DeleteTopics, over one TCP
 * connection per call with @cairn/protocol's codecs (kcat cannot create a topic with a chosen
 * partition count). A Kafka frame is
 *
 *   size           int32   bytes that follow
 *   request header         apiKey int16, apiVersion int16, correlationId int32, clientId string
 *   request body           the API's fields for that version
 *
 * and the response is `size int32, correlationId int32, body`. Only non-flexible versions are
 * used, so neither header carries tagged fields.
 */
import { connect } from 'node:net';
import {
  type Api,
  createTopicsApi,
  deleteTopicsApi,
  encodeRequestHeader,
  Reader,
  Writer,
} from '@cairn/protocol';

const SIZE_BYTES = 4;
const correlationId = 1;
const clientId = 'cairn-bench';
const adminTimeoutMs = 30_000;
/** Kafka's TOPIC_ALREADY_EXISTS and UNKNOWN_TOPIC_OR_PARTITION: fine for create and delete. */
const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

function parseHostPort(bootstrap: string): { host: string; port: number } {
  const colon = bootstrap.lastIndexOf(':');
  return { host: bootstrap.slice(0, colon), port: Number(bootstrap.slice(colon + 1)) };
}

/** Sends one request and resolves with its decoded response. */
function call<Request, Response>(
  bootstrap: string,
  api: Api<Request, Response>,
  version: number,
  request: Request,
): Promise<Response> {
  const writer = new Writer();
  writer.writeInt32(0);
  encodeRequestHeader(
    writer,
    { apiKey: api.apiKey, apiVersion: version, correlationId, clientId },
    false,
  );
  api.encodeRequest(writer, version, request);
  const frame = writer.finishCopy();
  frame.writeInt32BE(frame.length - SIZE_BYTES, 0);
  return new Promise((resolve, reject) => {
    const socket = connect(parseHostPort(bootstrap));
    const chunks: Buffer[] = [];
    const timer = setTimeout(
      () => socket.destroy(new Error(`${api.name} timed out`)),
      adminTimeoutMs,
    );
    socket.on('connect', () => socket.write(frame));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      if (received.length < SIZE_BYTES) return;
      const size = received.readInt32BE(0);
      if (received.length < SIZE_BYTES + size) return;
      clearTimeout(timer);
      socket.end();
      const reader = new Reader(received, SIZE_BYTES, SIZE_BYTES + size);
      reader.readInt32();
      resolve(api.decodeResponse(reader, version));
    });
  });
}

export interface TopicToCreate {
  name: string;
  partitions: number;
}

/** Creates the topic; an existing topic of that name is left as it is. */
export async function createTopic(bootstrap: string, topic: TopicToCreate): Promise<void> {
  const response = await call(bootstrap, createTopicsApi, 4, {
    topics: [
      {
        name: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: 1,
        assignments: [],
        configs: [],
      },
    ],
    timeoutMs: adminTimeoutMs,
    validateOnly: false,
  });
  for (const result of response.topics) {
    if (result.errorCode !== 0 && result.errorCode !== TOPIC_ALREADY_EXISTS) {
      throw new Error(
        `CreateTopics ${result.name}: error ${result.errorCode} ${result.errorMessage}`,
      );
    }
  }
}

/** Deletes the topic and its files; a missing topic is not an error. */
export async function deleteTopic(bootstrap: string, name: string): Promise<void> {
  const response = await call(bootstrap, deleteTopicsApi, 3, {
    topicNames: [name],
    timeoutMs: adminTimeoutMs,
  });
  for (const result of response.responses) {
    if (result.errorCode !== 0 && result.errorCode !== UNKNOWN_TOPIC_OR_PARTITION) {
      throw new Error(`DeleteTopics ${result.name}: error ${result.errorCode}`);
    }
  }
}
