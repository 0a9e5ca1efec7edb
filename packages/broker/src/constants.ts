/**
 * Limits of the broker. Unit and qualifier last. Each is a default that configuration may
 * override; relationships between them are asserted below when the module loads.
 */
import { assert } from '@cairn/protocol';

/** Largest request frame (Kafka's socket.request.max.bytes). */
export const requestBytesMax = 100 * 1024 * 1024;

/** Open Kafka connections; one more is accepted and closed at once. */
export const connectionsMax = 1_000;

/** Requests read from one connection and not yet answered; past it the socket is paused. */
export const inflightRequestsPerConnectionMax = 100;

/** Bytes of requests and unsent responses held for one connection before reading pauses. */
export const inflightBytesPerConnectionMax = 64 * 1024 * 1024;

/** A connection with no request in flight and no traffic for this long is closed. */
export const connectionIdleMs = 9 * 60 * 1000;

/** Graceful shutdown waits this long for in-flight requests before closing sockets. */
export const shutdownGraceMs = 10_000;

/** Fetch long-poll bounds (a client's maxWaitMs is clamped to this). */
export const fetchWaitMsMax = 30_000;

/** Fetch response bytes when a client asks for more (Kafka's fetch.max.bytes). */
export const fetchBytesMax = 55 * 1024 * 1024;

/** Topics and partitions the broker will hold. */
export const topicsMax = 10_000;
export const partitionsPerTopicMax = 1_000;

/** Topic names: Kafka's rules (legal characters, length). */
export const topicNameLengthMax = 249;

assert(
  fetchBytesMax <= inflightBytesPerConnectionMax,
  'a whole fetch response must fit the budget',
);
assert(fetchBytesMax <= requestBytesMax, 'a fetch response must fit a frame');

/*
 * The group coordinator. Kafka's setting names are given for each; a broker configuration may
 * override the defaults (GroupConfig in groups/group-config.ts).
 */

/** Bounds on a member's sessionTimeoutMs (group.min/max.session.timeout.ms). */
export const groupSessionTimeoutMsMin = 6_000;
export const groupSessionTimeoutMsMax = 30 * 60 * 1000;

/** Members of one group (group.max.size); also bounds members waiting for their first join. */
export const groupMembersMax = 1_000;

/**
 * How long the first rebalance of an empty group waits for more members, extended by the same
 * again for each new member up to the rebalance timeout (group.initial.rebalance.delay.ms).
 */
export const groupInitialRebalanceDelayMs = 3_000;

/** Groups held by the coordinator (with members or committed offsets); Kafka has no bound. */
export const groupsMax = 10_000;

/** The metadata string of one committed offset, UTF-8 bytes (offset.metadata.max.bytes). */
export const offsetMetadataBytesMax = 4_096;

/**
 * A new member's JoinGroup is parked at most this long: it has no member id to heartbeat with
 * and a client that gave up would otherwise linger in the rebalance (Kafka's
 * NewMemberJoinTimeoutMs).
 */
export const groupNewMemberJoinTimeoutMs = 5 * 60 * 1000;

/** Bytes read per step when replaying __consumer_offsets on start (offsets.load.buffer.size). */
export const offsetsLoadBufferBytes = 5 * 1024 * 1024;

assert(
  groupSessionTimeoutMsMin <= groupSessionTimeoutMsMax,
  'group.min.session.timeout.ms must not exceed group.max.session.timeout.ms',
);
assert(offsetMetadataBytesMax < offsetsLoadBufferBytes, 'an offset record must fit a load read');

/**
 * Producer ids reserved by one write of the `producer-id-block` file (Kafka's
 * ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE): one fsync'd write per this many InitProducerId.
 */
export const producerIdsPerBlock = 1_000;

/**
 * Batches remembered per producer for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). An
 * idempotent producer keeps at most max.in.flight.requests.per.connection = 5 batches in flight
 * per partition, so a retry is always of one of the last 5.
 */
export const producerBatchesRetained = 5;

/**
 * Producers whose state one partition keeps. Past it the producer that appended least recently
 * is forgotten: its next batch is accepted at any sequence, as after Kafka's producer id
 * expiration. Bounds the memory a client can take by inventing producer ids.
 */
export const producersPerPartitionMax = 1_000;

/** Bytes asked of the log per read when producer state is rebuilt from it at open. */
export const producerStateRebuildReadBytes = 1024 * 1024;

assert(producerIdsPerBlock >= 1, 'a producer id block holds at least one id');
assert(producerBatchesRetained >= 1, 'duplicate detection needs the last batch at least');
assert(producersPerPartitionMax >= 1, 'a partition keeps at least one producer');

/**
 * Largest record batch the coordinator appends to __consumer_offsets; a commit or a group
 * deletion with more records is written as several batches. Well under message.max.bytes.
 */
export const offsetsTopicBatchBytesMax = 512 * 1024;

assert(
  offsetMetadataBytesMax * 4 < offsetsTopicBatchBytesMax,
  'several offset records of the largest metadata must fit one batch',
);
assert(offsetsTopicBatchBytesMax < offsetsLoadBufferBytes, 'a written batch must fit a load read');
