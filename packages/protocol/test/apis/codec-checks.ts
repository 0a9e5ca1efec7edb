// Shared checks for the API codec tests: encode with our codecs, load the two independent
// clients (kafkajs 2.2.4 as CommonJS, @platformatic/kafka as ESM) by API and version, and
// assert that every truncation of an encoded body fails with a ProtocolError.
import { createRequire } from 'node:module';
import * as platformatic from '@platformatic/kafka';
import { expect } from 'vitest';
import { type Api, ProtocolError, Reader, Writer } from '../../src/index.js';

const require = createRequire(import.meta.url);

interface KafkajsEncoder {
  buffer: Buffer;
}

interface KafkajsRequest {
  encode(): Promise<KafkajsEncoder>;
}

export interface KafkajsResponseModule {
  decode(buffer: Buffer): Promise<Record<string, unknown>>;
}

/** The request body kafkajs encodes for `requests/<api>/v<version>/request.js`. */
export async function kafkajsRequestBytes(
  api: string,
  version: number,
  args: Record<string, unknown>,
): Promise<Buffer> {
  const build = require(`kafkajs/src/protocol/requests/${api}/v${version}/request`) as (
    args: Record<string, unknown>,
  ) => KafkajsRequest;
  return (await build(args).encode()).buffer;
}

/** What `requests/<api>/v<version>/response.js` exports (a few export a factory instead). */
export function kafkajsResponseModule(api: string, version: number): unknown {
  return require(`kafkajs/src/protocol/requests/${api}/v${version}/response`);
}

/** kafkajs's decoder for `requests/<api>/v<version>/response.js` (decode only, no parse). */
export function kafkajsDecode(
  api: string,
  version: number,
  bytes: Buffer,
): Promise<Record<string, unknown>> {
  return (kafkajsResponseModule(api, version) as KafkajsResponseModule).decode(bytes);
}

export interface PlatformaticApi {
  createRequest(...args: never[]): { buffer: Buffer };
  parseResponse(
    correlationId: number,
    apiKey: number,
    apiVersion: number,
    reader: platformatic.Reader,
  ): unknown;
}

/** The @platformatic/kafka namespace `<name>V<version>`, e.g. `metadataV6`. */
export function platformaticApi(name: string, version: number): PlatformaticApi {
  const namespace = (platformatic as unknown as Record<string, PlatformaticApi | undefined>)[
    `${name}V${version}`
  ];
  if (namespace === undefined) throw new Error(`@platformatic/kafka has no ${name}V${version}`);
  return namespace;
}

/** Request bytes from @platformatic/kafka's `createRequest(...args)`. */
export function platformaticRequestBytes(name: string, version: number, ...args: unknown[]) {
  const create = platformaticApi(name, version).createRequest as (...args: unknown[]) => {
    buffer: Buffer;
  };
  return create(...args).buffer;
}

/** Our response bytes as @platformatic/kafka parses them. */
export function platformaticParse<Response>(
  api: Api<unknown, Response>,
  name: string,
  version: number,
  bytes: Buffer,
): Record<string, unknown> {
  const reader = platformatic.Reader.from(bytes);
  return platformaticApi(name, version).parseResponse(1, api.apiKey, version, reader) as Record<
    string,
    unknown
  >;
}

export function versionsOf(api: { minVersion: number; maxVersion: number }): number[] {
  const versions: number[] = [];
  for (let version = api.minVersion; version <= api.maxVersion; version++) versions.push(version);
  return versions;
}

export function encodeRequest<Request>(
  api: Api<Request, unknown>,
  version: number,
  request: Request,
): Buffer {
  const writer = new Writer();
  api.encodeRequest(writer, version, request);
  return writer.finishCopy();
}

export function encodeResponse<Response>(
  api: Api<unknown, Response>,
  version: number,
  response: Response,
): Buffer {
  const writer = new Writer();
  api.encodeResponse(writer, version, response);
  return writer.finishCopy();
}

/** Decodes `bytes` and checks that the whole body was read. */
export function decodeRequest<Request>(
  api: Api<Request, unknown>,
  version: number,
  bytes: Buffer,
): Request {
  const reader = new Reader(bytes);
  const request = api.decodeRequest(reader, version);
  expect(reader.remaining).toBe(0);
  return request;
}

export function decodeResponse<Response>(
  api: Api<unknown, Response>,
  version: number,
  bytes: Buffer,
): Response {
  const reader = new Reader(bytes);
  const response = api.decodeResponse(reader, version);
  expect(reader.remaining).toBe(0);
  return response;
}

/** Every proper prefix of `bytes` must fail to decode with a ProtocolError, nothing else. */
export function expectTruncationsThrow(decode: (reader: Reader) => unknown, bytes: Buffer): void {
  for (let length = 0; length < bytes.length; length++) {
    const reader = new Reader(bytes.subarray(0, length));
    let thrown: unknown;
    try {
      decode(reader);
    } catch (error) {
      thrown = error;
    }
    expect(thrown, `prefix of ${length}/${bytes.length} bytes`).toBeInstanceOf(ProtocolError);
  }
}
