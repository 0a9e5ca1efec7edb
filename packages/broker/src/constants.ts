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
