/**
 * Field codecs that switch on a message's `flexible` flag (KIP-482): flexible versions use
 * compact strings, bytes and arrays (unsigned varint length + 1) and end every structure with
 * a tagged-field section; older versions use int16/int32 lengths and have no tags.
 * API codecs call these so each field is written once for all versions.
 */
import type { Reader, TaggedFields } from './reader.js';
import type { Writer } from './writer.js';

export function readStringField(reader: Reader, flexible: boolean): string {
  return flexible ? reader.readCompactString() : reader.readString();
}

export function readNullableStringField(reader: Reader, flexible: boolean): string | null {
  return flexible ? reader.readCompactNullableString() : reader.readNullableString();
}

export function readBytesField(reader: Reader, flexible: boolean): Buffer {
  return flexible ? reader.readCompactBytes() : reader.readBytes();
}

export function readNullableBytesField(reader: Reader, flexible: boolean): Buffer | null {
  return flexible ? reader.readCompactNullableBytes() : reader.readNullableBytes();
}

export function readArrayField<T>(
  reader: Reader,
  flexible: boolean,
  readItem: (reader: Reader) => T,
): T[] {
  return flexible ? reader.readCompactArray(readItem) : reader.readArray(readItem);
}

export function readNullableArrayField<T>(
  reader: Reader,
  flexible: boolean,
  readItem: (reader: Reader) => T,
): T[] | null {
  return flexible ? reader.readCompactNullableArray(readItem) : reader.readNullableArray(readItem);
}

/** Reads the tagged-field section of a flexible structure; nothing for older versions. */
export function readTagsField(reader: Reader, flexible: boolean): TaggedFields | undefined {
  return flexible ? reader.readTaggedFields() : undefined;
}

export function writeStringField(writer: Writer, flexible: boolean, value: string): void {
  if (flexible) writer.writeCompactString(value);
  else writer.writeString(value);
}

export function writeNullableStringField(
  writer: Writer,
  flexible: boolean,
  value: string | null,
): void {
  if (flexible) writer.writeCompactNullableString(value);
  else writer.writeNullableString(value);
}

export function writeBytesField(writer: Writer, flexible: boolean, value: Uint8Array): void {
  if (flexible) writer.writeCompactBytes(value);
  else writer.writeBytes(value);
}

export function writeNullableBytesField(
  writer: Writer,
  flexible: boolean,
  value: Uint8Array | null,
): void {
  if (flexible) writer.writeCompactNullableBytes(value);
  else writer.writeNullableBytes(value);
}

export function writeArrayField<T>(
  writer: Writer,
  flexible: boolean,
  items: readonly T[],
  writeItem: (writer: Writer, item: T) => void,
): void {
  if (flexible) writer.writeCompactArray(items, writeItem);
  else writer.writeArray(items, writeItem);
}

export function writeNullableArrayField<T>(
  writer: Writer,
  flexible: boolean,
  items: readonly T[] | null,
  writeItem: (writer: Writer, item: T) => void,
): void {
  if (flexible) writer.writeCompactNullableArray(items, writeItem);
  else writer.writeNullableArray(items, writeItem);
}

/** Writes an (empty unless given) tagged-field section for flexible versions. */
export function writeTagsField(writer: Writer, flexible: boolean, tags?: TaggedFields): void {
  if (flexible) writer.writeTaggedFields(tags);
}
