/**
 * Request and response headers (RequestHeader.json, ResponseHeader.json).
 *
 * Request header                               Response header
 *   apiKey         int16   v0+                   correlationId  int32    v0+
 *   apiVersion     int16   v0+                   tagged fields           v1+
 *   correlationId  int32   v0+
 *   clientId       string  v1+ (nullable, never compact, even in v2)
 *   tagged fields          v2+
 *
 * A request uses header v2 when its API version is flexible, else v1; a response uses header
 * v1 when flexible, else v0. Exception: ApiVersions responses always use header v0, so that a
 * client that does not know the broker's versions can still read the error code.
 */
import type { Reader, TaggedFields } from './reader.js';
import type { Writer } from './writer.js';

export const API_KEY_OFFSET = 0;
export const API_VERSION_OFFSET = API_KEY_OFFSET + 2;
export const CORRELATION_ID_OFFSET = API_VERSION_OFFSET + 2;
export const CLIENT_ID_OFFSET = CORRELATION_ID_OFFSET + 4;

export const API_VERSIONS_KEY = 18;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  tags?: TaggedFields;
}

/** Reads apiKey, apiVersion, correlationId and clientId (the v1 part). */
export function decodeRequestHeader(reader: Reader): RequestHeader {
  return {
    apiKey: reader.readInt16(),
    apiVersion: reader.readInt16(),
    correlationId: reader.readInt32(),
    clientId: reader.readNullableString(),
  };
}

/** Writes a v1 header, or v2 (with an empty tag section) when `flexible`. */
export function encodeRequestHeader(writer: Writer, header: RequestHeader, flexible: boolean) {
  writer.writeInt16(header.apiKey);
  writer.writeInt16(header.apiVersion);
  writer.writeInt32(header.correlationId);
  writer.writeNullableString(header.clientId);
  if (flexible) writer.writeTaggedFields(header.tags);
}

export function responseHeaderIsFlexible(apiKey: number, flexible: boolean): boolean {
  return flexible && apiKey !== API_VERSIONS_KEY;
}

export function encodeResponseHeader(writer: Writer, correlationId: number, flexible: boolean) {
  writer.writeInt32(correlationId);
  if (flexible) writer.writeTaggedFields();
}

export function decodeResponseHeader(reader: Reader, flexible: boolean): number {
  const correlationId = reader.readInt32();
  if (flexible) reader.readTaggedFields();
  return correlationId;
}
