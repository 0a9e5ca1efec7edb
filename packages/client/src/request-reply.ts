/**
 * Request-reply over topics, the messaging pattern Kafka leaves to applications (Spring's
 * ReplyingKafkaTemplate does the same): a requester sends a request record with two headers,
 * `correlation-id` (unique per request) and `reply-topic`; a responder consumes requests in a
 * group, runs a handler and produces its result to the reply topic with the same correlation
 * id; the requester matches replies to its pending requests by that id.
 *
 *   request record   key and value from the caller; headers: the caller's, then
 *                    correlation-id = UUID (UTF-8), reply-topic = the requester's reply topic
 *   reply record     key = the request's key; value = the handler's result; headers: the
 *                    handler's, then correlation-id; on a handler failure the value is null
 *                    and an `error` header carries the failure's message
 *
 * The requester reads every partition of its reply topic without a group, from the end as it
 * was when the requester started (looked up before the first request can be sent), so each
 * requester sees every reply and needs no rebalance; replies for other requesters sharing the
 * topic, or arriving after their request timed out, are skipped and counted. Pending requests
 * are bounded (pendingRepliesMax): past the bound request() fails at once instead of queueing.
 * The responder gets the consumer's at-least-once delivery: a request whose reply was not
 * produced before a crash is handled again, so handlers should be idempotent.
 */
import { randomUUID } from 'node:crypto';
import type { RecordHeader } from '@cairn/protocol';
import type { ClusterOptions } from './cluster.js';
import { pendingRepliesMax, replyTimeoutMsDefault } from './constants.js';
import { Consumer } from './consumer.js';
import type { ConsumerMessage } from './consumer-message.js';
import type { ConsumerOptions } from './consumer-options.js';
import { ClosedError, clientErrorCode, KafkaClientError, TimeoutError } from './errors.js';
import { latestOffsetTimestamp } from './offset-lookup.js';
import { Producer, type ProducerOptions } from './producer.js';
import type { ProducerRecord, RecordHeaders, RecordValue } from './producer-record.js';

export const correlationIdHeader = 'correlation-id';
export const replyTopicHeader = 'reply-topic';
export const replyErrorHeader = 'error';

/** How the requester and responder reach the cluster, and their clients' settings. */
export interface RequestReplyClientOptions {
  /** Brokers to bootstrap from ('host:port'). */
  bootstrap: string[];
  /** Connection settings (client id, timeouts, retries) of the producer and the consumer. */
  clusterOptions?: Omit<ClusterOptions, 'bootstrap'>;
  producer?: Omit<ProducerOptions, 'cluster' | keyof ClusterOptions>;
  consumer?: Omit<ConsumerOptions, 'bootstrap' | 'clusterOptions' | 'groupId'>;
}

export interface RequesterOptions extends RequestReplyClientOptions {
  /** The topic replies come back on; every partition of it is read. */
  replyTopic: string;
  /** Default for request()'s timeoutMs (replyTimeoutMsDefault). */
  timeoutMs?: number;
  /** Requests awaiting a reply at once (pendingRepliesMax). */
  pendingRepliesMax?: number;
}

export interface RequestOptions {
  key?: RecordValue;
  headers?: RecordHeaders;
  partition?: number;
  /** How long to wait for the reply, from the call. */
  timeoutMs?: number;
}

/** The responder's handler failed on the request; `message` is the handler's error message. */
export class ReplyError extends Error {
  override name = 'ReplyError';
  constructor(
    message: string,
    readonly correlationId: string,
  ) {
    super(message);
  }
}

interface PendingRequest {
  resolve(reply: ConsumerMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

function clientsFor(options: RequestReplyClientOptions, groupId?: string) {
  const { bootstrap, clusterOptions } = options;
  const producer = new Producer({ ...clusterOptions, ...options.producer, bootstrap });
  const consumer = new Consumer({
    ...options.consumer,
    bootstrap,
    ...(clusterOptions === undefined ? {} : { clusterOptions }),
    ...(groupId === undefined ? {} : { groupId }),
  });
  return { producer, consumer };
}

/** The last value of header `key` as UTF-8, or undefined. */
export function headerText(headers: readonly RecordHeader[], key: string): string | undefined {
  for (let index = headers.length - 1; index >= 0; index--) {
    const header = headers[index]!;
    if (header.key === key) return header.value?.toString('utf8');
  }
  return undefined;
}

function headerList(headers: RecordHeaders | undefined): { key: string; value: RecordValue }[] {
  if (headers === undefined) return [];
  if (Array.isArray(headers)) return [...(headers as { key: string; value: RecordValue }[])];
  const list: { key: string; value: RecordValue }[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, RecordValue | undefined>)) {
    if (value !== undefined) list.push({ key, value });
  }
  return list;
}

export class Requester {
  readonly replyTopic: string;
  /** Replies that matched no pending request (late, or another requester's). */
  unmatchedReplies = 0;
  private readonly pending = new Map<string, PendingRequest>();
  private readonly timeoutMs: number;
  private readonly pendingMax: number;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;

  /** Use createRequester(): the reply consumer must be in place before the first request. */
  constructor(
    options: RequesterOptions,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
  ) {
    this.replyTopic = options.replyTopic;
    this.timeoutMs = options.timeoutMs ?? replyTimeoutMsDefault;
    this.pendingMax = options.pendingRepliesMax ?? pendingRepliesMax;
  }

  /** Requests awaiting their reply. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Sends `value` to `topic` and resolves with the reply record. Rejects with TimeoutError when
   * no reply came within timeoutMs, ReplyError when the responder's handler failed, the
   * producer's error when the request could not be sent, PENDING_REPLIES_EXHAUSTED when
   * pendingRepliesMax requests are already waiting, ClosedError after close().
   */
  request(
    topic: string,
    value: RecordValue,
    options: RequestOptions = {},
  ): Promise<ConsumerMessage> {
    if (this.closing !== null) return Promise.reject(new ClosedError('the requester is closed'));
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.pending.size >= this.pendingMax) {
      return Promise.reject(
        new KafkaClientError({
          code: clientErrorCode,
          errorName: 'PENDING_REPLIES_EXHAUSTED',
          retriable: true,
          message: `${this.pending.size} requests already await a reply (pendingRepliesMax)`,
          topic,
        }),
      );
    }
    const correlationId = randomUUID();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const reply = new Promise<ConsumerMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(correlationId)?.reject(
          new TimeoutError(`no reply to request ${correlationId} within ${timeoutMs} ms`, {
            topic,
          }),
        );
      }, timeoutMs);
      this.pending.set(correlationId, { resolve, reject, timer });
    });
    const record: ProducerRecord = {
      key: options.key,
      value,
      partition: options.partition,
      headers: [
        ...headerList(options.headers),
        { key: correlationIdHeader, value: correlationId },
        { key: replyTopicHeader, value: this.replyTopic },
      ],
    };
    this.producer.send(topic, [record]).catch((error: unknown) => {
      this.settle(correlationId)?.reject(error as Error);
    });
    return reply;
  }

  /** Fails what is pending with ClosedError, then closes the clients. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  /** Called by the reply consumer for each record of the reply topic. */
  onReply(message: ConsumerMessage): void {
    const headers = message.headers;
    const correlationId = headerText(headers, correlationIdHeader);
    const pending = correlationId === undefined ? undefined : this.settle(correlationId);
    if (pending === undefined) {
      this.unmatchedReplies++;
      return;
    }
    const error = headerText(headers, replyErrorHeader);
    if (error === undefined) pending.resolve(message);
    else pending.reject(new ReplyError(error, correlationId!));
  }

  /** The reply consumer stopped: nothing pending can be answered any more. */
  onConsumerFailed(error: Error): void {
    this.failure = error;
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(error);
  }

  private settle(correlationId: string): PendingRequest | undefined {
    const pending = this.pending.get(correlationId);
    if (pending === undefined) return undefined;
    clearTimeout(pending.timer);
    this.pending.delete(correlationId);
    return pending;
  }

  private async closeNow(): Promise<void> {
    for (const id of [...this.pending.keys()]) {
      this.settle(id)?.reject(new ClosedError('the requester was closed before the reply came'));
    }
    await Promise.allSettled([this.consumer.close(), this.producer.close()]);
  }
}

/**
 * Starts a requester: its reply consumer is positioned at the end of every partition of the
 * reply topic before this resolves, so no reply to a request sent afterwards can be missed.
 */
export async function createRequester(options: RequesterOptions): Promise<Requester> {
  const { producer, consumer } = clientsFor(options);
  const requester = new Requester(options, producer, consumer);
  try {
    const topic = options.replyTopic;
    const partitionCount = await producer.cluster.partitionsFor(topic);
    const partitions = Array.from({ length: partitionCount }, (_, partition) => partition);
    await consumer.assign(partitions.map((partition) => ({ topic, partition, offset: 'latest' })));
    // assign() looks 'latest' up in the background; wait for the offsets here instead.
    await Promise.all(
      partitions.map((partition) =>
        consumer.seekToTimestamp(topic, partition, latestOffsetTimestamp),
      ),
    );
    await producer.connect();
  } catch (error) {
    await requester.close();
    throw error;
  }
  consumer
    .run({ eachMessage: (message) => requester.onReply(message) })
    .catch((error: unknown) => requester.onConsumerFailed(error as Error));
  return requester;
}

/** What a handler returns: the reply's value, or the value with a key and headers of its own. */
export type ReplyContent =
  | RecordValue
  | { value: RecordValue; key?: RecordValue; headers?: RecordHeaders };

export type RequestHandler = (request: ConsumerMessage) => ReplyContent | Promise<ReplyContent>;

export interface ResponderOptions extends RequestReplyClientOptions {
  /** The topic requests arrive on. */
  topic: string;
  /** The consumer group the responders of this topic share. */
  groupId: string;
  handler: RequestHandler;
}

function isReplyValue(content: ReplyContent): content is RecordValue {
  return content === null || typeof content === 'string' || content instanceof Uint8Array;
}

export class Responder {
  /** Requests without a correlation-id or reply-topic header, skipped. */
  skippedRequests = 0;
  /** Requests whose handler failed (answered with an error reply). */
  failedRequests = 0;
  /**
   * Settles when the responder stops: resolves after close(), rejects if a reply could not be
   * produced (the producer's retries spent) or the consumer failed.
   */
  readonly done: Promise<void>;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly options: ResponderOptions,
    private readonly producer: Producer,
    private readonly consumer: Consumer,
  ) {
    this.done = consumer.run({ eachMessage: (message) => this.answer(message) });
    // Observed by close(); a caller that never looks at `done` is not crashed by it.
    this.done.catch(() => undefined);
  }

  /** Stops after the request in progress, commits what was answered, closes the clients. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async answer(request: ConsumerMessage): Promise<void> {
    const headers = request.headers;
    const correlationId = headerText(headers, correlationIdHeader);
    const replyTopic = headerText(headers, replyTopicHeader);
    if (correlationId === undefined || replyTopic === undefined || replyTopic === '') {
      this.skippedRequests++;
      return;
    }
    const correlation = { key: correlationIdHeader, value: correlationId };
    let reply: ProducerRecord;
    try {
      const content = await this.options.handler(request);
      reply = isReplyValue(content)
        ? { key: request.key, value: content, headers: [correlation] }
        : {
            key: content.key === undefined ? request.key : content.key,
            value: content.value,
            headers: [...headerList(content.headers), correlation],
          };
    } catch (error) {
      this.failedRequests++;
      const message = error instanceof Error ? error.message : String(error);
      reply = {
        key: request.key,
        value: null,
        headers: [correlation, { key: replyErrorHeader, value: message }],
      };
    }
    await this.producer.send(replyTopic, [reply]);
  }

  private async closeNow(): Promise<void> {
    await this.consumer.close();
    await this.producer.close();
  }
}

/** Joins the group on `topic` and answers requests until close(). */
export async function createResponder(options: ResponderOptions): Promise<Responder> {
  const { producer, consumer } = clientsFor(options, options.groupId);
  try {
    await producer.connect();
    await consumer.subscribe([options.topic]);
  } catch (error) {
    await Promise.allSettled([consumer.close(), producer.close()]);
    throw error;
  }
  return new Responder(options, producer, consumer);
}
