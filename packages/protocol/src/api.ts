/**
 * The shape every API module exports: one request type and one response type covering all
 * supported versions, and codecs for both directions (the broker decodes requests and encodes
 * responses; the client does the reverse). Codecs receive the version and branch exactly where
 * Kafka's message schema says a field starts or stops.
 */
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface Api<Request, Response> {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First version that uses compact fields and tagged fields (KIP-482); Infinity if none. */
  readonly flexibleVersion: number;
  encodeRequest(writer: Writer, version: number, request: Request): void;
  decodeRequest(reader: Reader, version: number): Request;
  encodeResponse(writer: Writer, version: number, response: Response): void;
  decodeResponse(reader: Reader, version: number): Response;
}

/** Any API, for tables keyed by API key. */
// biome-ignore lint/suspicious/noExplicitAny: a table holds APIs of every request/response type
export type AnyApi = Api<any, any>;

export function isFlexible(api: AnyApi, version: number): boolean {
  return version >= api.flexibleVersion;
}

export function supportsVersion(api: AnyApi, version: number): boolean {
  return version >= api.minVersion && version <= api.maxVersion;
}
