/**
 * A scripted Kafka peer over real TCP, for the cases a real broker does not produce on demand:
 * a broker that never answers, one that refuses the newest ApiVersions. It cuts request frames,
 * decodes their headers with the protocol package and lets the test decide what to answer.
 */
import * as net from 'node:net';
import {
  type Api,
  type ApiVersionsResponse,
  apiVersionsApi,
  decodeRequestHeader,
  Reader,
  type RequestHeader,
  Writer,
} from '@cairn/protocol';

export interface FakeRequest {
  header: RequestHeader;
  /** Positioned at the request body (the fake only offers non-flexible versions). */
  body: Reader;
  socket: net.Socket;
}

/** What to do with a request: answer with these body bytes (v0 header), or stay silent. */
export type FakeHandler = (request: FakeRequest) => Buffer | undefined;

export interface FakeBroker {
  readonly port: number;
  readonly bootstrap: string;
  readonly requests: RequestHeader[];
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

export async function startFakeBroker(handler: FakeHandler): Promise<FakeBroker> {
  const requests: RequestHeader[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        const reader = new Reader(Buffer.from(buffered.subarray(4, 4 + size)));
        const header = decodeRequestHeader(reader);
        buffered = buffered.subarray(4 + size);
        requests.push(header);
        const body = handler({ header, body: reader, socket });
        if (body !== undefined) socket.write(frame(header.correlationId, body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    bootstrap: `127.0.0.1:${port}`,
    requests,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A response frame with a v0 header (no tagged fields). */
export function frame(correlationId: number, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeInt32BE(4 + body.length, 0);
  head.writeInt32BE(correlationId, 4);
  return Buffer.concat([head, body]);
}

/** An ApiVersions response body at `version`. */
export function apiVersionsBody(version: number, response: ApiVersionsResponse): Buffer {
  return responseBody(apiVersionsApi, version, response);
}

/** Any response body, encoded by the protocol package. */
export function responseBody<Res>(api: Api<unknown, Res>, version: number, response: Res): Buffer {
  const writer = new Writer();
  api.encodeResponse(writer, version, response);
  return writer.finishCopy();
}
