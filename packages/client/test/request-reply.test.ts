// Proves request-reply over topics against the real broker: a round trip carries key, value and
// headers; concurrent requests each get their own reply (a responder answering out of order);
// a request nobody answers times out; a handler failure comes back as a ReplyError; the pending
// bound refuses at once; close() fails what is pending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Consumer } from '../src/consumer.js';
import type { ConsumerMessage } from '../src/consumer-message.js';
import { Producer } from '../src/producer.js';
import {
  correlationIdHeader,
  createRequester,
  createResponder,
  headerText,
  ReplyError,
  type Requester,
  type Responder,
  replyTopicHeader,
} from '../src/request-reply.js';
import { startTestBroker, type TestBroker } from './helpers/broker.js';

let test: TestBroker;
let bootstrap: string[];
const closers: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  test = await startTestBroker({ defaultPartitionCount: 2 });
  bootstrap = [test.broker.bootstrap];
});

afterAll(async () => {
  await Promise.allSettled(closers.map((closer) => closer.close()));
  await test.stop();
});

async function requester(replyTopic: string, pendingRepliesMax?: number): Promise<Requester> {
  const created = await createRequester({
    bootstrap,
    replyTopic,
    consumer: { maxWaitMs: 50 },
    ...(pendingRepliesMax === undefined ? {} : { pendingRepliesMax }),
  });
  closers.push(created);
  return created;
}

async function responder(
  topic: string,
  handler: Parameters<typeof createResponder>[0]['handler'],
): Promise<Responder> {
  const created = await createResponder({
    bootstrap,
    topic,
    groupId: `responders-${topic}`,
    handler,
    consumer: { maxWaitMs: 50, autoOffsetReset: 'earliest' },
  });
  closers.push(created);
  return created;
}

describe('request-reply', () => {
  it('round-trips a request: the reply carries the handler result and the correlation id', async () => {
    const client = await requester('replies-round-trip');
    await responder('requests-round-trip', (request) => ({
      value: `hello ${request.value?.toString()}`,
      headers: { 'handled-by': 'responder-1', seen: headerText(request.headers, 'trace') ?? '' },
    }));
    const reply = await client.request('requests-round-trip', 'world', {
      key: 'k1',
      headers: { trace: 'abc' },
      timeoutMs: 10_000,
    });
    expect(reply.topic).toBe('replies-round-trip');
    expect(reply.value?.toString()).toBe('hello world');
    expect(reply.key?.toString()).toBe('k1');
    expect(headerText(reply.headers, 'handled-by')).toBe('responder-1');
    expect(headerText(reply.headers, 'seen')).toBe('abc');
    expect(headerText(reply.headers, correlationIdHeader)).toMatch(/^[0-9a-f-]{36}$/);
    expect(client.pendingCount).toBe(0);
  });

  it('matches concurrent requests to their own replies, whatever order they come in', async () => {
    const client = await requester('replies-concurrent');
    // A hand-made responder that collects every request, then answers in reverse order.
    const requests = new Consumer({ bootstrap, maxWaitMs: 50 });
    const producer = new Producer({ bootstrap });
    closers.push(requests, producer);
    await requests.assign(
      [0, 1].map((partition) => ({
        topic: 'requests-concurrent',
        partition,
        offset: 'earliest' as const,
      })),
    );
    const numbers = Array.from({ length: 20 }, (_, n) => n);
    const pending = numbers.map((n) =>
      client.request('requests-concurrent', String(n), { key: `k${n}`, timeoutMs: 15_000 }),
    );
    const received: ConsumerMessage[] = [];
    for await (const request of requests) {
      received.push(request);
      if (received.length === numbers.length) break;
    }
    const replies = received.reverse().map((request) => ({
      value: String(Number(request.value?.toString()) ** 2),
      headers: { [correlationIdHeader]: headerText(request.headers, correlationIdHeader) ?? '' },
    }));
    await producer.send('replies-concurrent', replies);
    const answered = await Promise.all(pending);
    expect(answered.map((reply) => Number(reply.value?.toString()))).toEqual(
      numbers.map((n) => n * n),
    );
    expect(client.pendingCount).toBe(0);
  });

  it('rejects with a timeout when no reply comes, and forgets the request', async () => {
    const client = await requester('replies-timeout');
    const started = Date.now();
    await expect(
      client.request('requests-nobody-answers', 'x', { timeoutMs: 300 }),
    ).rejects.toThrow(/REQUEST_TIMED_OUT: no reply to request .* within 300 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(client.pendingCount).toBe(0);
  });

  it('turns a handler failure into a ReplyError and keeps answering', async () => {
    const client = await requester('replies-error');
    const server = await responder('requests-error', (request) => {
      if (request.value?.toString() === 'bad') throw new Error('cannot handle bad');
      return 'fine';
    });
    const failed = client.request('requests-error', 'bad', { timeoutMs: 10_000 });
    await expect(failed).rejects.toBeInstanceOf(ReplyError);
    await expect(failed).rejects.toThrow('cannot handle bad');
    const ok = await client.request('requests-error', 'good', { timeoutMs: 10_000 });
    expect(ok.value?.toString()).toBe('fine');
    expect(server.failedRequests).toBe(1);
  });

  it('skips requests without the request-reply headers', async () => {
    let handled = 0;
    const server = await responder('requests-plain', () => {
      handled++;
      return 'reply';
    });
    const client = await requester('replies-plain');
    const producer = new Producer({ bootstrap });
    closers.push(producer);
    await producer.send('requests-plain', [
      { value: 'no headers', partition: 0 },
      { value: 'no reply topic', partition: 0, headers: { [correlationIdHeader]: 'x' } },
    ]);
    // Same partition: the responder meets the plain records before the proper request.
    const reply = await client.request('requests-plain', 'proper', {
      partition: 0,
      timeoutMs: 10_000,
    });
    expect(reply.value?.toString()).toBe('reply');
    expect(handled).toBe(1);
    expect(server.skippedRequests).toBe(2);
  });

  it('refuses a request past pendingRepliesMax at once, and fails pending ones on close', async () => {
    const client = await requester('replies-bounded', 2);
    const first = client.request('requests-bounded', 'a', { timeoutMs: 10_000 });
    const second = client.request('requests-bounded', 'b', { timeoutMs: 10_000 });
    await expect(client.request('requests-bounded', 'c')).rejects.toThrow(
      /PENDING_REPLIES_EXHAUSTED/,
    );
    const outcomes = Promise.allSettled([first, second]);
    await client.close();
    for (const outcome of await outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/CLIENT_CLOSED/);
    }
    await expect(client.request('requests-bounded', 'd')).rejects.toThrow(/CLIENT_CLOSED/);
  });

  it('puts the reply topic and a fresh correlation id on each request', async () => {
    const client = await requester('replies-headers');
    const seen: string[][] = [];
    await responder('requests-headers', (request) => {
      seen.push([
        headerText(request.headers, replyTopicHeader) ?? '',
        headerText(request.headers, correlationIdHeader) ?? '',
      ]);
      return null;
    });
    const replies = [
      await client.request('requests-headers', '1', { timeoutMs: 10_000 }),
      await client.request('requests-headers', '2', { timeoutMs: 10_000 }),
    ];
    expect(replies.map((reply) => reply.value)).toEqual([null, null]);
    expect(seen.map(([topic]) => topic)).toEqual(['replies-headers', 'replies-headers']);
    expect(new Set(seen.map(([, id]) => id)).size).toBe(2);
  });
});
