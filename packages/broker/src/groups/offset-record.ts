/**
 * The records of __consumer_offsets that hold committed offsets, in Kafka's format
 * (OffsetCommitKey.json and OffsetCommitValue.json), so the partition reads the same to
 * Kafka's tools. All integers big-endian; a string is an int16 length then UTF-8 bytes
 * (from value v4, flexible: an unsigned varint length + 1, and tagged fields at the end).
 *
 * Key                                  Value v3 (written)
 *   field      width  meaning            field            width  meaning
 *   version    2      0 or 1: offset     version          2      3
 *                     commit; 2+: other  offset           8      the committed offset
 *                     group records      leaderEpoch      4      -1 when unknown
 *   group      2+n    group id           metadata         2+n    the client's string
 *   topic      2+n                       commitTimestamp  8      ms since the epoch
 *   partition  4
 *
 * Older values, read on replay: v0 and v2 are offset, metadata, commitTimestamp; v1 adds
 * expireTimestamp (8) at the end; v4 is v3 flexible. A null value is a tombstone: the offset
 * was deleted (its group was). Keys of version 2 and above (group metadata, KIP-848 records)
 * are not offsets; replay skips them.
 */
import { ProtocolError, Reader, Writer } from '@cairn/protocol';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** Key versions at or above this are group metadata records, not offsets. */
const GROUP_METADATA_KEY_VERSION = 2;
const FLEXIBLE_VALUE_VERSION = 4;
const VALUE_VERSION_MAX = 4;

export interface OffsetCommitKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

export interface OffsetAndMetadata {
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
}

export function encodeOffsetCommitKey(key: OffsetCommitKey): Buffer {
  const writer = new Writer(64);
  writer.writeInt16(OFFSET_COMMIT_KEY_VERSION);
  writer.writeString(key.group);
  writer.writeString(key.topic);
  writer.writeInt32(key.partition);
  return writer.finishCopy();
}

export function encodeOffsetCommitValue(value: OffsetAndMetadata): Buffer {
  const writer = new Writer(64);
  writer.writeInt16(OFFSET_COMMIT_VALUE_VERSION);
  writer.writeInt64(value.offset);
  writer.writeInt32(value.leaderEpoch);
  writer.writeString(value.metadata);
  writer.writeInt64(value.commitTimestamp);
  return writer.finishCopy();
}

/** The offset key in `bytes`, or null for a record of another kind. Throws ProtocolError. */
export function decodeOffsetCommitKey(bytes: Buffer): OffsetCommitKey | null {
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  if (version < 0 || version >= GROUP_METADATA_KEY_VERSION) return null;
  const key = {
    group: reader.readString(),
    topic: reader.readString(),
    partition: reader.readInt32(),
  };
  assertConsumed(reader, 'offset commit key');
  return key;
}

/** Any value version 0-4. Throws ProtocolError on truncated bytes or an unknown version. */
export function decodeOffsetCommitValue(bytes: Buffer): OffsetAndMetadata {
  const reader = new Reader(bytes);
  const version = reader.readInt16();
  if (version < 0 || version > VALUE_VERSION_MAX) {
    throw new ProtocolError(
      'invalid_value',
      `offset commit value version ${version} is not 0-${VALUE_VERSION_MAX}`,
    );
  }
  const flexible = version >= FLEXIBLE_VALUE_VERSION;
  const offset = reader.readInt64();
  const leaderEpoch = version >= 3 ? reader.readInt32() : -1;
  const metadata = flexible ? reader.readCompactString() : reader.readString();
  const commitTimestamp = reader.readInt64();
  if (version === 1) reader.readInt64(); // expireTimestamp, no longer honoured (KIP-211)
  if (flexible) reader.readTaggedFields();
  assertConsumed(reader, `offset commit value v${version}`);
  return { offset, leaderEpoch, metadata, commitTimestamp };
}

function assertConsumed(reader: Reader, what: string): void {
  if (reader.remaining !== 0) {
    throw new ProtocolError(
      'invalid_value',
      `${what}: ${reader.remaining} bytes left over at ${reader.position}`,
    );
  }
}
