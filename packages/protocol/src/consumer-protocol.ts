/**
 * The consumer embedded protocol: what consumers put in the opaque bytes of JoinGroup
 * (Protocols[].Metadata: a subscription) and SyncGroup (Assignments[].Assignment and the
 * response's Assignment: an assignment) when ProtocolType is 'consumer'. The coordinator never
 * needs to read them; the group leader's assignor does, and so do tools that show a group's
 * assignment. Never flexible; all integers big-endian; strings are int16-length, bytes and
 * arrays int32-length.
 *
 * Subscription (ConsumerProtocolSubscription.json, versions 0-3)
 *   field              type                              versions  meaning
 *   Version            int16                             0+        the version of what follows
 *   Topics             []string                          0+        subscribed topics
 *   UserData           bytes                             0+        nullable; assignor's own data
 *   OwnedPartitions    [Topic string, Partitions []int32] 1+        partitions held now (KIP-429)
 *   GenerationId       int32                             2+        default -1 (KIP-792)
 *   RackId             string                            3+        nullable, default null (KIP-881)
 *
 * Assignment (ConsumerProtocolAssignment.json, versions 0-3; v1-v3 are v0)
 *   Version            int16                             0+
 *   AssignedPartitions [Topic string, Partitions []int32] 0+
 *   UserData           bytes                             0+        nullable
 *
 * Reading follows Kafka's ConsumerProtocol, and is lenient where real clients need it:
 * - A version above the highest known is read as the highest: new versions may only append
 *   fields, and bytes after the known fields are ignored.
 * - A field of a later version that is wholly absent (the bytes end exactly where it would
 *   start) takes its default. kafkajs lets an assignor declare any version over a v0 body, and
 *   @platformatic/kafka up to 2.11 did the same. A field that starts but is cut short is still
 *   a ProtocolError.
 * - An empty assignment is an empty v0 assignment: Kafka's coordinator sends empty bytes to a
 *   member the leader assigned nothing (kafkajs reads it as no assignment).
 */
import { assert } from './assert.js';
import { ProtocolError } from './protocol-error.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** The ProtocolType of groups whose members speak this protocol. */
export const consumerProtocolType = 'consumer';
export const consumerProtocolSubscriptionVersionMax = 3;
export const consumerProtocolAssignmentVersionMax = 3;

const consumerProtocolWriterInitialBytes = 256;

export interface ConsumerProtocolTopicPartitions {
  topic: string;
  partitions: number[];
}

export interface ConsumerProtocolSubscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** [] before v1. */
  ownedPartitions: ConsumerProtocolTopicPartitions[];
  /** -1 before v2. */
  generationId: number;
  /** null before v3. */
  rackId: string | null;
}

export interface ConsumerProtocolAssignment {
  version: number;
  assignedPartitions: ConsumerProtocolTopicPartitions[];
  userData: Buffer | null;
}

export function encodeConsumerProtocolSubscription(
  subscription: ConsumerProtocolSubscription,
): Buffer {
  const { version } = subscription;
  assertKnownVersion('subscription', version, consumerProtocolSubscriptionVersionMax);
  const writer = new Writer(consumerProtocolWriterInitialBytes);
  writer.writeInt16(version);
  writer.writeArray(subscription.topics, (w, topic) => w.writeString(topic));
  writer.writeNullableBytes(subscription.userData);
  if (version >= 1) writeTopicPartitions(writer, subscription.ownedPartitions);
  if (version >= 2) writer.writeInt32(subscription.generationId);
  if (version >= 3) writer.writeNullableString(subscription.rackId);
  return writer.finishCopy();
}

/** Throws ProtocolError on malformed bytes; see the file comment for what is tolerated. */
export function decodeConsumerProtocolSubscription(buffer: Buffer): ConsumerProtocolSubscription {
  const reader = new Reader(buffer);
  const version = readVersion(reader, 'subscription');
  const readAs = Math.min(version, consumerProtocolSubscriptionVersionMax);
  const subscription: ConsumerProtocolSubscription = {
    version,
    topics: reader.readArray((r) => r.readString()),
    userData: reader.readNullableBytes(),
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  };
  if (readAs >= 1 && reader.remaining > 0) {
    subscription.ownedPartitions = readTopicPartitions(reader);
  }
  if (readAs >= 2 && reader.remaining > 0) subscription.generationId = reader.readInt32();
  if (readAs >= 3 && reader.remaining > 0) subscription.rackId = reader.readNullableString();
  return subscription;
}

export function encodeConsumerProtocolAssignment(assignment: ConsumerProtocolAssignment): Buffer {
  const { version } = assignment;
  assertKnownVersion('assignment', version, consumerProtocolAssignmentVersionMax);
  const writer = new Writer(consumerProtocolWriterInitialBytes);
  writer.writeInt16(version);
  writeTopicPartitions(writer, assignment.assignedPartitions);
  writer.writeNullableBytes(assignment.userData);
  return writer.finishCopy();
}

/** Throws ProtocolError on malformed bytes; empty bytes are an empty assignment. */
export function decodeConsumerProtocolAssignment(buffer: Buffer): ConsumerProtocolAssignment {
  if (buffer.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const reader = new Reader(buffer);
  const version = readVersion(reader, 'assignment');
  const assignedPartitions = readTopicPartitions(reader);
  const userData = reader.readNullableBytes();
  return { version, assignedPartitions, userData };
}

/** Encoding a version we cannot write is our caller's mistake, not bad input. */
function assertKnownVersion(what: string, version: number, versionMax: number): void {
  assert(
    Number.isInteger(version) && version >= 0 && version <= versionMax,
    `consumer protocol ${what} version ${version} outside 0-${versionMax}`,
  );
}

function readVersion(reader: Reader, what: string): number {
  const version = reader.readInt16();
  if (version < 0) {
    throw new ProtocolError('invalid_value', `consumer protocol ${what} version ${version} < 0`);
  }
  return version;
}

function writeTopicPartitions(
  writer: Writer,
  topics: readonly ConsumerProtocolTopicPartitions[],
): void {
  writer.writeArray(topics, (w, { topic, partitions }) => {
    w.writeString(topic);
    w.writeArray(partitions, (pw, partition) => pw.writeInt32(partition));
  });
}

function readTopicPartitions(reader: Reader): ConsumerProtocolTopicPartitions[] {
  return reader.readArray((r) => ({
    topic: r.readString(),
    partitions: r.readArray((pr) => pr.readInt32()),
  }));
}
