// Proves every HTTP route works against the real broker over real sockets: topics (list,
// create, describe, alter configs, delete), produce in each format with each acks, consume by
// offset and by time with limits and long poll, groups (list, describe, offsets and lag,
// reset, delete), health and the OpenAPI document; and that produce is as durable as asked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpFixture, startHttpFixture } from './http-fixture.js';

let http: HttpFixture;

beforeAll(async () => {
  http = await startHttpFixture();
});

afterAll(async () => {
  await http?.close();
});

interface Offsets {
  offsets: Array<{ partition: number; offset: number }>;
}

interface Consumed {
  records: Array<{
    partition: number;
    offset: number;
    timestamp: number;
    key: string | null;
    value: unknown;
    headers: Array<{ key: string; value: string | null }>;
    format: string;
  }>;
  nextOffset: number;
  highWatermark: number;
  logStartOffset: number;
}

async function createTopic(name: string, partitions: number, configs = {}) {
  const created = await http.request('POST', '/topics', { name, partitions, configs });
  expect(created.status).toBe(201);
  return created;
}

describe('topics', () => {
  it('creates, lists, describes, reconfigures and deletes a topic', async () => {
    const created = await createTopic('orders', 3, { 'retention.ms': '60000' });
    expect(created.body).toMatchObject({ name: 'orders', internal: false });
    expect(created.body.partitions).toHaveLength(3);

    const listed = await http.request<{ topics: Array<{ name: string; partitions: number }> }>(
      'GET',
      '/topics',
    );
    expect(listed.body.topics).toContainEqual({ name: 'orders', partitions: 3, internal: false });
    expect(listed.body.topics.map((t) => t.name)).not.toContain('__consumer_offsets');
    const withInternal = await http.request<{ topics: Array<{ name: string }> }>(
      'GET',
      '/topics?internal=true',
    );
    expect(withInternal.body.topics.map((t) => t.name)).toContain('__consumer_offsets');

    await http.request('POST', '/topics/orders/records', {
      records: [
        { value: 'a', partition: 1 },
        { value: 'b', partition: 1 },
      ],
    });
    const described = await http.request<{
      partitions: Array<Record<string, number>>;
      configs: Array<{ name: string; value: string; source: string }>;
    }>('GET', '/topics/orders');
    expect(described.status).toBe(200);
    expect(described.body.partitions[1]).toMatchObject({
      partition: 1,
      logStartOffset: 0,
      logEndOffset: 2,
      highWatermark: 2,
    });
    expect(described.body.partitions[1]!.sizeBytes).toBeGreaterThan(0);
    expect(described.body.configs).toContainEqual(
      expect.objectContaining({ name: 'retention.ms', value: '60000', source: 'topic' }),
    );

    const altered = await http.request<{ configs: Array<{ name: string; value: string }> }>(
      'PATCH',
      '/topics/orders/configs',
      { set: { 'cleanup.policy': 'compact' }, delete: ['retention.ms'] },
    );
    expect(altered.status).toBe(200);
    const config = (name: string) => altered.body.configs.find((c) => c.name === name);
    expect(config('cleanup.policy')).toMatchObject({ value: 'compact', source: 'topic' });
    expect(config('retention.ms')).toMatchObject({ value: '604800000', source: 'default' });
    expect(http.broker.registry.topic('orders')?.configs).toEqual({ 'cleanup.policy': 'compact' });

    const bad = await http.request('PATCH', '/topics/orders/configs', {
      set: { 'retention.ms': 'soon' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'INVALID_CONFIG' });
    expect(bad.body.message).toContain('retention.ms');

    expect((await http.request('DELETE', '/topics/orders')).status).toBe(204);
    expect((await http.request('GET', '/topics/orders')).status).toBe(404);
    expect(http.broker.registry.topic('orders')).toBeUndefined();
  });

  it('refuses a duplicate, internal topics and unknown ones', async () => {
    await createTopic('dup', 1);
    const again = await http.request('POST', '/topics', { name: 'dup' });
    expect(again).toMatchObject({ status: 409, body: { error: 'TOPIC_ALREADY_EXISTS' } });
    const internal = await http.request('DELETE', '/topics/__consumer_offsets');
    expect(internal).toMatchObject({ status: 403, body: { error: 'TOPIC_AUTHORIZATION_FAILED' } });
    const unknown = await http.request('DELETE', '/topics/nope');
    expect(unknown).toMatchObject({ status: 404, body: { error: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    expect(unknown.body.message).toContain("'nope'");
  });

  it('creates a topic with the default partition count when none is given', async () => {
    const created = await http.request<{ partitions: unknown[] }>('POST', '/topics', {
      name: 'defaulted',
    });
    expect(created.status).toBe(201);
    expect(created.body.partitions).toHaveLength(1);
  });
});

describe('produce and consume', () => {
  it('round-trips json, text and base64 values with keys, headers and timestamps', async () => {
    await createTopic('formats', 1);
    const produced = await http.request<Offsets>('POST', '/topics/formats/records', {
      records: [
        { key: 'k1', value: { n: 1, list: [1, 2] }, headers: [{ key: 'h', value: 'v' }] },
        { value: null },
        { value: 'plain "text"', timestamp: 1_700_000_000_000 },
      ],
    });
    expect(produced.status).toBe(200);
    expect(produced.body.offsets).toEqual([
      { partition: 0, offset: 0 },
      { partition: 0, offset: 1 },
      { partition: 0, offset: 2 },
    ]);
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    const base64 = await http.request<Offsets>('POST', '/topics/formats/records', {
      valueFormat: 'base64',
      records: [{ key: Buffer.from('kb').toString('base64'), value: bytes.toString('base64') }],
    });
    expect(base64.body.offsets).toEqual([{ partition: 0, offset: 3 }]);
    const text = await http.request<Offsets>('POST', '/topics/formats/records', {
      valueFormat: 'text',
      records: [{ value: 'not json {' }],
    });
    expect(text.body.offsets).toEqual([{ partition: 0, offset: 4 }]);

    const json = await http.request<Consumed>('GET', '/topics/formats/partitions/0/records');
    expect(json.status).toBe(200);
    expect(json.body).toMatchObject({ nextOffset: 5, highWatermark: 5, logStartOffset: 0 });
    const [first, tombstone, plain, binary, notJson] = json.body.records;
    expect(first).toMatchObject({
      offset: 0,
      key: 'k1',
      value: { n: 1, list: [1, 2] },
      headers: [{ key: 'h', value: 'v' }],
      format: 'json',
    });
    expect(tombstone).toMatchObject({ offset: 1, value: null });
    expect(plain).toMatchObject({ value: 'plain "text"', timestamp: 1_700_000_000_000 });
    expect(binary).toMatchObject({ key: 'kb', format: 'text' });
    expect(notJson).toMatchObject({ value: 'not json {', format: 'text' });

    const asBase64 = await http.request<Consumed>(
      'GET',
      '/topics/formats/partitions/0/records?offset=3&maxRecords=1&format=base64',
    );
    expect(asBase64.body.records).toEqual([
      expect.objectContaining({
        offset: 3,
        key: Buffer.from('kb').toString('base64'),
        value: bytes.toString('base64'),
        format: 'base64',
      }),
    ]);
    expect(asBase64.body.nextOffset).toBe(4);
  });

  it('partitions by explicit partition, by key, and unkeyed records together', async () => {
    await createTopic('spread', 4);
    const produced = await http.request<Offsets>('POST', '/topics/spread/records', {
      records: [
        { value: 1, partition: 3 },
        { key: 'same', value: 2 },
        { key: 'same', value: 3 },
        { value: 4 },
        { value: 5 },
      ],
    });
    const [explicit, keyed1, keyed2, unkeyed1, unkeyed2] = produced.body.offsets;
    expect(explicit).toEqual({ partition: 3, offset: 0 });
    expect(keyed2!.partition).toBe(keyed1!.partition);
    expect(keyed2!.offset).toBe(keyed1!.offset + 1);
    expect(unkeyed2!.partition).toBe(unkeyed1!.partition);
    // The next request's unkeyed records go to the next partition.
    const next = await http.request<Offsets>('POST', '/topics/spread/records', {
      records: [{ value: 6 }],
    });
    expect(next.body.offsets[0]!.partition).toBe((unkeyed1!.partition + 1) % 4);
  });

  it('makes acks=all records durable before answering, and answers acks=0 with 202', async () => {
    await createTopic('acks', 1);
    const log = http.broker.registry.partitionLog('acks', 0)!;
    const all = await http.request<Offsets>('POST', '/topics/acks/records?acks=all', {
      records: [{ value: 'x' }, { value: 'y' }],
    });
    expect(all.status).toBe(200);
    expect(log.recoveryPoint).toBeGreaterThanOrEqual(2);
    const leader = await http.request<Offsets>('POST', '/topics/acks/records', {
      acks: 1,
      records: [{ value: 'z' }],
    });
    expect(leader.body.offsets).toEqual([{ partition: 0, offset: 2 }]);
    expect(log.highWatermark).toBe(3);
    const none = await http.request<Offsets>('POST', '/topics/acks/records?acks=0', {
      records: [{ value: 'w' }],
    });
    expect(none.status).toBe(202);
    expect(none.body.offsets).toEqual([{ partition: 0, offset: -1 }]);
    const read = await http.request<Consumed>(
      'GET',
      '/topics/acks/partitions/0/records?waitMs=2000',
    );
    expect(read.body.records.map((r) => r.value)).toEqual(['x', 'y', 'z', 'w']);
  });

  it('reads by timestamp, within maxRecords, and long-polls until a record arrives', async () => {
    await createTopic('times', 1);
    await http.request('POST', '/topics/times/records', {
      records: [
        { value: 'old', timestamp: 1_000 },
        { value: 'mid', timestamp: 2_000 },
        { value: 'new', timestamp: 3_000 },
      ],
    });
    const fromTime = await http.request<Consumed>(
      'GET',
      '/topics/times/partitions/0/records?timestamp=1500&maxRecords=1',
    );
    expect(fromTime.body.records.map((r) => r.value)).toEqual(['mid']);
    expect(fromTime.body.nextOffset).toBe(2);
    const late = await http.request<Consumed>(
      'GET',
      '/topics/times/partitions/0/records?timestamp=9999999999999',
    );
    expect(late.body).toMatchObject({ records: [], nextOffset: 3 });

    const startedAt = Date.now();
    const polling = http.request<Consumed>(
      'GET',
      '/topics/times/partitions/0/records?offset=3&waitMs=5000',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await http.request('POST', '/topics/times/records', { records: [{ value: 'woken' }] });
    const polled = await polling;
    expect(polled.body.records.map((r) => r.value)).toEqual(['woken']);
    expect(Date.now() - startedAt).toBeLessThan(4_000);

    const waited = Date.now();
    const empty = await http.request<Consumed>(
      'GET',
      '/topics/times/partitions/0/records?offset=4&waitMs=150',
    );
    expect(empty.body.records).toEqual([]);
    expect(Date.now() - waited).toBeGreaterThanOrEqual(140);
  });

  it('answers 416 for an offset past the end and 404 for an unknown partition', async () => {
    await createTopic('range', 1);
    const past = await http.request('GET', '/topics/range/partitions/0/records?offset=5');
    expect(past).toMatchObject({ status: 416, body: { error: 'OFFSET_OUT_OF_RANGE' } });
    expect(past.body.message).toContain('offset 5');
    const partition = await http.request('GET', '/topics/range/partitions/7/records');
    expect(partition).toMatchObject({ status: 404, body: { error: 'UNKNOWN_TOPIC_OR_PARTITION' } });
    const producedTo = await http.request('POST', '/topics/range/records', {
      records: [{ value: 1, partition: 2 }],
    });
    expect(producedTo.status).toBe(404);
    expect(producedTo.body.message).toContain('no partition 2');
  });
});

describe('groups', () => {
  it('lists, describes, shows lag, resets and deletes a group with committed offsets', async () => {
    await createTopic('lagging', 2);
    await http.request('POST', '/topics/lagging/records', {
      records: [
        { value: 'a', partition: 0, timestamp: Date.now() - 60_000 },
        { value: 'b', partition: 0 },
        { value: 'c', partition: 0 },
        { value: 'd', partition: 1 },
      ],
    });
    const reset = await http.request<{ offsets: Array<Record<string, unknown>> }>(
      'POST',
      '/groups/g1/offsets/reset',
      { topic: 'lagging', to: 'earliest' },
    );
    expect(reset.status).toBe(200);
    expect(reset.body.offsets).toEqual([
      { topic: 'lagging', partition: 0, offset: 0 },
      { topic: 'lagging', partition: 1, offset: 0 },
    ]);
    const listed = await http.request<{ groups: unknown[] }>('GET', '/groups');
    expect(listed.body.groups).toContainEqual({ groupId: 'g1', state: 'Empty', protocolType: '' });
    const described = await http.request('GET', '/groups/g1');
    expect(described.body).toMatchObject({ groupId: 'g1', state: 'Empty', members: [] });

    const lag = await http.request<{ partitions: Array<Record<string, number>> }>(
      'GET',
      '/groups/g1/offsets',
    );
    expect(lag.status).toBe(200);
    const [p0, p1] = lag.body.partitions;
    expect(p0).toMatchObject({ partition: 0, committedOffset: 0, logEndOffset: 3, lag: 3 });
    expect(p0!.timeLagMs).toBeGreaterThanOrEqual(59_000);
    expect(p0!.timeLagMs).toBeLessThan(70_000);
    expect(p1).toMatchObject({ partition: 1, committedOffset: 0, logEndOffset: 1, lag: 1 });

    await http.request('POST', '/groups/g1/offsets/reset', {
      topic: 'lagging',
      partitions: [0],
      to: { offset: 2 },
    });
    await http.request('POST', '/groups/g1/offsets/reset', {
      topic: 'lagging',
      partitions: [1],
      to: 'latest',
    });
    const after = await http.request<{ partitions: Array<Record<string, number>> }>(
      'GET',
      '/groups/g1/offsets',
    );
    expect(after.body.partitions[0]).toMatchObject({ committedOffset: 2, lag: 1 });
    expect(after.body.partitions[0]!.timeLagMs).toBeLessThan(59_000);
    expect(after.body.partitions[1]).toMatchObject({ committedOffset: 1, lag: 0, timeLagMs: 0 });

    const byTime = await http.request<{ offsets: Array<{ offset: number }> }>(
      'POST',
      '/groups/g1/offsets/reset',
      { topic: 'lagging', partitions: [0], to: { timestamp: Date.now() - 30_000 } },
    );
    expect(byTime.body.offsets[0]!.offset).toBe(1);

    expect((await http.request('DELETE', '/groups/g1')).status).toBe(204);
    expect((await http.request('GET', '/groups/g1')).status).toBe(404);
    const gone = await http.request('DELETE', '/groups/g1');
    expect(gone).toMatchObject({ status: 404, body: { error: 'GROUP_ID_NOT_FOUND' } });
  });
});

describe('health and the OpenAPI document', () => {
  it('is alive and ready', async () => {
    expect(await http.request('GET', '/healthz')).toMatchObject({
      status: 200,
      body: { status: 'ok' },
    });
    expect(await http.request('GET', '/readyz')).toMatchObject({ status: 200 });
  });

  it('describes every route with its schemas', async () => {
    const document = await http.request<{
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
    const routes = Object.entries(document.body.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // Other routes (/metrics, the console) may be registered beside these.
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /readyz',
        'GET /topics',
        'POST /topics',
        'GET /topics/{topic}',
        'DELETE /topics/{topic}',
        'PATCH /topics/{topic}/configs',
        'POST /topics/{topic}/records',
        'GET /topics/{topic}/partitions/{partition}/records',
        'GET /groups',
        'GET /groups/{group}',
        'DELETE /groups/{group}',
        'GET /groups/{group}/offsets',
        'POST /groups/{group}/offsets/reset',
        'POST /groups/{group}/members',
        'GET /groups/{group}/members/{member}/records',
        'POST /groups/{group}/members/{member}/commit',
        'DELETE /groups/{group}/members/{member}',
      ]),
    );
    const produce = document.body.paths['/topics/{topic}/records']!.post!;
    expect(Object.keys(produce.responses)).toEqual(expect.arrayContaining(['200', '400', '413']));
  });
});
