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

/**
 * Bytes of frames being assembled (read in part) over every connection, reserved by declared
 * size; past it connections stop reading until frames complete or their connections close
 * (network/request-buffer-budget.ts). Without it, half-sent frames could hold connectionsMax x
 * requestBytesMax. startBroker's `requestBufferBytesBrokerMax` overrides it.
 */
export const requestBufferBytesBrokerMax = 256 * 1024 * 1024;

/**
 * A frame this small is buffered whatever the budget above says, so small requests (metadata,
 * heartbeats, commits) keep flowing while large ones wait; at most connectionsMax x this more.
 */
export const requestBufferSmallFrameBytesMax = 64 * 1024;

/** A connection with no request in flight and no traffic for this long is closed. */
export const connectionIdleMs = 9 * 60 * 1000;

/** Graceful shutdown waits this long for in-flight requests before closing sockets. */
export const shutdownGraceMs = 10_000;

/** Fetch long-poll bounds (a client's maxWaitMs is clamped to this). */
export const fetchWaitMsMax = 30_000;

/** Fetch response bytes when a client asks for more (Kafka's fetch.max.bytes). */
export const fetchBytesMax = 55 * 1024 * 1024;

/**
 * Fetch reads and Produce frames that span socket chunks go into reusable slabs
 * (network/buffer-pool.ts) of power-of-two sizes in this range (a 1 MiB partition read takes a
 * 2 MiB slab: 1 MiB plus a batch header); at most bufferPoolFreeBytesMax of free slabs are kept.
 */
export const bufferSlabBytesMin = 16 * 1024;
export const bufferSlabBytesMax = 8 * 1024 * 1024;
export const bufferPoolFreeBytesMax = 128 * 1024 * 1024;

/** Topics and partitions the broker will hold. */
export const topicsMax = 10_000;
export const partitionsPerTopicMax = 1_000;

/** Topic names: Kafka's rules (legal characters, length). */
export const topicNameLengthMax = 249;

assert(
  requestBytesMax <= requestBufferBytesBrokerMax,
  'the largest frame must fit the broker-wide request buffer',
);
assert(
  requestBufferSmallFrameBytesMax < requestBufferBytesBrokerMax,
  'small frames are a small part of the request buffer',
);
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

/**
 * How long a group's committed offsets are kept once it is empty, or, for a group that never
 * had members, once each was committed (offsets.retention.minutes: 7 days, KIP-186).
 */
export const offsetsRetentionMs = 7 * 24 * 60 * 60 * 1000;

/** How often the coordinator looks for expired offsets (offsets.retention.check.interval.ms). */
export const offsetsRetentionCheckIntervalMs = 10 * 60 * 1000;

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

/*
 * The HTTP API (src/http). JSON bodies are parsed whole, so they are bounded before parsing.
 */

/** Bytes of one HTTP request body; a larger one is refused 413 before it is parsed. */
export const httpBodyBytesMax = 16 * 1024 * 1024;

/** Records in one HTTP produce request; more is refused 413. */
export const httpProduceRecordsMax = 10_000;

/** Records one HTTP consume answers with; maxRecords is clamped to it. */
export const httpConsumeRecordsMax = 10_000;

/** Record bytes one HTTP consume reads (before JSON encoding); maxBytes is clamped to it. */
export const httpConsumeBytesMax = 8 * 1024 * 1024;

/** Defaults of an HTTP consume that names no limits. */
export const httpConsumeRecordsDefault = 500;
export const httpConsumeBytesDefault = 1024 * 1024;

/** Members the HTTP API holds in groups for HTTP clients (across all groups). */
export const httpGroupMembersMax = 1_000;

/**
 * How often the broker heartbeats the coordinator for an HTTP group member (at most; a third
 * of its session timeout when that is shorter), which is how it notices a rebalance.
 */
export const httpMemberHeartbeatIntervalMs = 1_000;

/** Topics one HTTP group member may subscribe to. */
export const httpMemberTopicsMax = 100;

/** Characters of an HTTP produce's client id (`x-client-id`), the key of its byte-rate quota. */
export const httpClientIdLengthMax = 256;

/**
 * Bytes of the buffer HTTP produce reuses to hash record keys (murmur2); a longer key is
 * hashed from a buffer of its own, so one huge key does not stay allocated.
 */
export const httpKeyScratchBytesMax = 64 * 1024;

/** Characters of a group id or member id in the HTTP API (path parameters and bodies). */
export const httpIdLengthMax = 1024;

/**
 * Characters of one path parameter as sent, before percent-decoding: a longest id in 4-byte
 * UTF-8, each byte percent-encoded (3 characters). A longer one is refused 414 by the router,
 * before the route's schema sees it.
 */
export const httpPathParamLengthMax = httpIdLengthMax * 12;

assert(httpConsumeBytesMax <= fetchBytesMax, 'an HTTP consume reads no more than a fetch');
assert(httpBodyBytesMax <= requestBytesMax, 'an HTTP body is bounded like a Kafka frame');
assert(httpPathParamLengthMax >= topicNameLengthMax, 'every topic name fits a path parameter');

/*
 * Quotas and backpressure (src/quotas). Each default may be overridden by startBroker's
 * `quotas` option and the CLI flag named after it. -1 disables a limit.
 */

/**
 * log.dir.bytes.max (Cairn's): bytes of segments the whole data dir may hold. Produce past it
 * gets KAFKA_STORAGE_ERROR (HTTP: 503) until retention, DeleteRecords or a topic deletion
 * frees space.
 */
export const logDirBytesMaxDefault = -1;

/**
 * topic.retained.bytes.max (Cairn's): bytes of segments one topic (all its partitions) may
 * hold; produce past it is refused like the data dir budget. retention.bytes deletes old data
 * instead; this refuses new data.
 */
export const topicRetainedBytesMaxDefault = -1;

/** How often the disk budget re-measures the logs' sizes (events keep it current between). */
export const diskUsageMeasureIntervalMs = 5_000;

/**
 * queued.max.request.bytes (Kafka's name; here Produce requests only): request bytes read and
 * not yet answered for the whole broker; past it connections stop reading until appends finish.
 */
export const queuedMaxRequestBytesDefault = 256 * 1024 * 1024;

/** producer_byte_rate (Kafka's client quota): produced bytes a second per client id. */
export const producerByteRateDefault = -1;

/** A client id may produce this many seconds of its byte rate at once (token bucket size). */
export const producerByteRateBurstSeconds = 1;

/** Longest throttle time given for one request (Kafka caps it near its quota window). */
export const throttleTimeMsMax = 10_000;

/** Client ids whose byte-rate buckets are kept; the least recently seen is forgotten. */
export const quotaClientsMax = 10_000;

/** Retry-After of an HTTP produce refused for the disk budget or in-flight bytes. */
export const httpProduceRetryAfterMs = 1_000;

assert(
  queuedMaxRequestBytesDefault >= requestBytesMax,
  'the largest Produce request fits the in-flight budget',
);
assert(throttleTimeMsMax >= 1_000, 'a throttle can cover a second of debt');
