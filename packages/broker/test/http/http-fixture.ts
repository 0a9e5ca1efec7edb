/**
 * A real broker with its HTTP API on ephemeral ports in a temporary data dir, and a small
 * JSON client over real sockets (fetch) for the HTTP tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrokerOptions, type RunningBroker, startBroker } from '../../src/broker.js';

export interface HttpAnswer<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface HttpFixture {
  broker: RunningBroker;
  url: string;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer<T>>;
  /** Sends `body` as it is, with the given content type. */
  raw(method: string, path: string, body: string, contentType: string): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export async function startHttpFixture(options: Partial<BrokerOptions> = {}): Promise<HttpFixture> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cairn-http-'));
  const broker = await startBroker({
    dataDir,
    kafkaPort: 0,
    httpPort: 0,
    groupInitialRebalanceDelayMs: 20,
    ...options,
  });
  const url = broker.http!.url;
  const send = async (method: string, path: string, init: RequestInit): Promise<HttpAnswer> => {
    const response = await fetch(`${url}${path}`, { method, ...init });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      // not JSON: the text itself
    }
    return { status: response.status, headers: response.headers, body };
  };
  return {
    broker,
    url,
    request: (method, path, body, headers = {}) =>
      send(
        method,
        path,
        body === undefined
          ? { headers }
          : {
              body: JSON.stringify(body),
              headers: { 'content-type': 'application/json', ...headers },
            },
      ) as never,
    raw: (method, path, body, contentType) =>
      send(method, path, { body, headers: { 'content-type': contentType } }),
    async close() {
      await broker.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
