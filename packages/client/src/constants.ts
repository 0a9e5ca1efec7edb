/**
 * Limits and defaults of the client. Unit and qualifier last (TigerBeetle style). Where Kafka's
 * Java client has the same setting its name is given; its default is kept unless said otherwise.
 * Relationships between limits are asserted at the bottom when the module loads.
 */
import { assert } from '@cairn/protocol';

/* Connections (Kafka's NetworkClient and Selector). */

/** request.timeout.ms: a request unanswered this long fails and its connection is closed. */
export const requestTimeoutMsDefault = 30_000;

/** socket.connection.setup.timeout.ms: TCP connect plus the ApiVersions exchange. */
export const connectTimeoutMsDefault = 10_000;

/** max.in.flight.requests.per.connection: requests written and not yet answered. */
export const inflightRequestsPerConnectionDefault = 5;
export const inflightRequestsPerConnectionMax = 1_000;

/**
 * Requests waiting for a slot in the in-flight window of one connection. Past it a request is
 * refused at once, so a runaway caller cannot queue without bound (kafkajs's `pending` array).
 */
export const pendingRequestsPerConnectionMax = 10_000;

/** Largest response frame accepted (the broker's socket.request.max.bytes is 100 MiB). */
export const responseBytesMax = 128 * 1024 * 1024;

/**
 * Socket reads land in a reused staging buffer of this size per connection; a response that
 * arrived whole in it is copied out (small responses: acks, metadata).
 */
export const responseStagingBytes = 16 * 1024;
/**
 * A response larger than this gets a buffer of its own as soon as its size prefix is read, and
 * the rest of it is read straight into that buffer (large fetch responses are not copied).
 */
export const responseOwnBufferBytesMin = 4 * 1024;

/** A writer per connection starts at this size and keeps the largest request it has held. */
export const requestWriterInitialBytes = 64 * 1024;
/** ... unless that request was larger than this: then the writer starts over. */
export const requestWriterRetainBytes = 8 * 1024 * 1024;

/** close() waits this long for in-flight requests before it destroys the socket. */
export const closeGraceMsDefault = 5_000;

/** client.id sent in every request header. */
export const clientIdDefault = 'cairn';

/** ApiVersions v3+ identifies the client software (KIP-511). */
export const clientSoftwareName = 'cairn-client';
export const clientSoftwareVersion = '0.1.0';

/* Retries (retry.backoff.ms, retry.backoff.max.ms). */

export const retriesDefault = 5;
export const retryBackoffMsDefault = 100;
export const retryBackoffMsMax = 1_000;
/** Each backoff is multiplied by a random factor in [1 - jitter, 1 + jitter] (Kafka: 0.2). */
export const retryJitterRatio = 0.2;

/* Metadata. */

/** metadata.max.age.ms: metadata older than this is refreshed before it is used. */
export const metadataMaxAgeMsDefault = 5 * 60 * 1000;

/* Producer (Kafka's ProducerConfig names in the comments). */

/** batch.size: bytes of records in one batch before it is closed and sent. */
export const batchBytesDefault = 16 * 1024;
/** linger.ms: how long an open batch waits for more records. 0 sends at the next turn. */
export const lingerMsDefault = 0;
/** buffer.memory: bytes of records waiting to be acknowledged before send() blocks. */
export const bufferBytesDefault = 32 * 1024 * 1024;
/** max.block.ms: how long send() waits for room in the buffer before it fails. */
export const maxBlockMsDefault = 60_000;
/** max.request.size: the largest record (batch) the producer will send. */
export const maxRequestBytesDefault = 1024 * 1024;
/** Retries of a failed batch (Kafka retries until delivery.timeout.ms; this bounds it too). */
export const produceRetriesDefault = 10;
/** delivery.timeout.ms: a batch not acknowledged this long after it was closed fails. */
export const deliveryTimeoutMsDefault = 120_000;
/** Batches of one partition in flight with idempotence: the broker remembers the last five. */
export const idempotentInflightPerPartitionMax = 5;
/** send() calls blocked waiting for buffer room at once. */
export const blockedSendsMax = 100_000;
/** transaction.timeout.ms sent with InitProducerId (unused without transactions). */
export const transactionTimeoutMsDefault = 60_000;
/** The largest producer sequence number; the next one is 0 (DefaultRecordBatch). */
export const sequenceMax = 0x7fff_ffff;
/** A batch's first allocation when it may hold more than one small record; it doubles. */
export const batchInitialBytesMin = 1024;
/**
 * Strings of at most this many characters are measured and encoded in JS when ASCII (string
 * keys, header keys): cheaper than a call into C++ below about this length.
 */
export const shortStringChars = 16;
/**
 * Bytes of free batch buffers a producer keeps for reuse (Kafka pools within buffer.memory):
 * enough for a window of full batches in flight while new ones fill.
 */
export const producerBufferPoolBytesMax = 8 * 1024 * 1024;

/* Consumer (Kafka's ConsumerConfig names in the comments). */

/** session.timeout.ms: the coordinator drops a member it has not heard from this long. */
export const sessionTimeoutMsDefault = 45_000;
/** max.poll.interval.ms: how long a rebalance waits for members to rejoin (rebalance timeout). */
export const rebalanceTimeoutMsDefault = 300_000;
/** heartbeat.interval.ms */
export const heartbeatIntervalMsDefault = 3_000;
/** auto.commit.interval.ms */
export const autoCommitIntervalMsDefault = 5_000;
/** fetch.max.wait.ms: how long the broker may hold a fetch with nothing new (long poll). */
export const fetchMaxWaitMsDefault = 500;
/** fetch.min.bytes */
export const fetchMinBytesDefault = 1;
/** fetch.max.bytes: the response size asked of one broker per fetch. */
export const fetchMaxBytesDefault = 50 * 1024 * 1024;
/** max.partition.fetch.bytes: per partition in one fetch (a larger first batch still comes). */
export const partitionFetchBytesDefault = 1024 * 1024;
/**
 * Bytes of fetched, not yet consumed record batches held per consumer: fetches stop asking for
 * more once this much is buffered or requested (no Kafka equivalent: Java bounds it by
 * fetch.max.bytes per broker). The bound is exact unless one batch alone is larger.
 */
export const prefetchBytesDefault = 64 * 1024 * 1024;
/** The smallest fetch worth sending: below this much free room the fetcher waits instead. */
export const prefetchFetchBytesMin = 64 * 1024;
/** Pause after a failed fetch, a failed join or an unavailable coordinator (retry.backoff.ms). */
export const consumerRetryBackoffMsDefault = 100;

/* Request-reply over topics (request-reply.ts). */

/** Requests of one requester awaiting their reply; past it request() fails at once. */
export const pendingRepliesMax = 10_000;
/** How long request() waits for the reply unless told otherwise. */
export const replyTimeoutMsDefault = 30_000;

/* The `cairn` command line (cli/). */

/** The longest line `cairn produce` reads as one record (max.request.size). */
export const cliLineBytesMax = 1024 * 1024;

assert(
  heartbeatIntervalMsDefault < sessionTimeoutMsDefault,
  'heartbeats must be more frequent than the session timeout',
);
assert(prefetchFetchBytesMin <= prefetchBytesDefault, 'one fetch must fit the prefetch buffer');
assert(
  partitionFetchBytesDefault <= fetchMaxBytesDefault,
  'a partition fetch must fit a fetch response',
);

/* Admin. */

/** TimeoutMs sent with CreateTopics, DeleteTopics, CreatePartitions and DeleteRecords. */
export const adminOperationTimeoutMsDefault = 30_000;

assert(
  inflightRequestsPerConnectionDefault <= inflightRequestsPerConnectionMax,
  'the default in-flight window must be within its limit',
);
assert(retryBackoffMsDefault <= retryBackoffMsMax, 'the first backoff must not exceed the cap');
assert(batchBytesDefault <= maxRequestBytesDefault, 'a full batch must fit a request');
assert(batchInitialBytesMin <= batchBytesDefault, 'a first allocation is at most a batch');
assert(maxRequestBytesDefault <= bufferBytesDefault, 'one request must fit the buffer');
assert(maxRequestBytesDefault < responseBytesMax, 'limits are consistent');
assert(
  responseOwnBufferBytesMin + 4 <= responseStagingBytes,
  'a response left in the staging buffer (size prefix included) must fit it',
);
