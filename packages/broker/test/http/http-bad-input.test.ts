// Proves the HTTP API refuses bad input with a 4xx and a JSON { error, message } that names
// the problem (malformed JSON, unknown topic, negative offset, oversized batch, wrong content
// type, wrong types, a path the router cannot take), and that a seeded fuzzer throwing hundreds of invalid bodies, params and
// queries at the produce and consume routes gets only 4xx answers while the broker keeps
// serving good requests. The seed is printed on failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpIdLengthMax,
  httpPathParamLengthMax,
  httpProduceRecordsMax,
  topicNameLengthMax,
} from '../../src/constants.js';
import { type HttpAnswer, type HttpFixture, startHttpFixture } from './http-fixture.js';

let http: HttpFixture;

beforeAll(async () => {
  http = await startHttpFixture();
  await http.request('POST', '/topics', { name: 'in', partitions: 2 });
  await http.request('POST', '/topics', {
    name: 'small',
    partitions: 1,
    configs: { 'max.message.bytes': '1000' },
  });
});

afterAll(async () => {
  await http?.close();
});

function expectRefusal(answer: HttpAnswer, status: number, error: string, words: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.body).toMatchObject({ error });
  expect((answer.body as { message: string }).message).toContain(words);
}

describe('bad input', () => {
  it('refuses malformed JSON, naming where it broke', async () => {
    const answer = await http.raw(
      'POST',
      '/topics/in/records',
      '{"records": [',
      'application/json',
    );
    expectRefusal(answer, 400, 'INVALID_JSON', 'not valid JSON');
    const empty = await http.raw('POST', '/topics/in/records', '', 'application/json');
    expectRefusal(empty, 400, 'INVALID_REQUEST', 'body must be object');
    // No body with the JSON header is no body, not malformed JSON.
    const bodiless = await http.raw('DELETE', '/groups/none', '', 'application/json');
    expectRefusal(bodiless, 404, 'GROUP_ID_NOT_FOUND', "'none'");
    const proto = await http.raw(
      'POST',
      '/topics/in/records',
      '{"records":[{"value":1}],"__proto__":{"x":1}}',
      'application/json',
    );
    expectRefusal(proto, 400, 'INVALID_JSON', '__proto__');
  });

  it('refuses a wrong content type with 415', async () => {
    const text = await http.raw('POST', '/topics/in/records', 'hello', 'text/plain');
    expectRefusal(text, 415, 'UNSUPPORTED_MEDIA_TYPE', 'application/json');
    const form = await http.raw('POST', '/topics', 'name=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
  });

  it('answers 404 for unknown topics, partitions, groups, members and routes', async () => {
    const produce = await http.request('POST', '/topics/nope/records', { records: [{ value: 1 }] });
    expectRefusal(produce, 404, 'UNKNOWN_TOPIC_OR_PARTITION', "'nope'");
    const consume = await http.request('GET', '/topics/nope/partitions/0/records');
    expectRefusal(consume, 404, 'UNKNOWN_TOPIC_OR_PARTITION', "'nope'");
    const lag = await http.request('GET', '/groups/nobody/offsets');
    expectRefusal(lag, 404, 'GROUP_ID_NOT_FOUND', "'nobody'");
    const member = await http.request('GET', '/groups/nobody/members/m-1/records');
    expectRefusal(member, 404, 'UNKNOWN_MEMBER_ID', "'m-1'");
    const route = await http.request('GET', '/no/such/route');
    expectRefusal(route, 404, 'NOT_FOUND', '/no/such/route');
    const join = await http.request('POST', '/groups/g/members', { topics: ['in', 'absent'] });
    expectRefusal(join, 404, 'UNKNOWN_TOPIC_OR_PARTITION', "'absent'");
  });

  it('takes the longest topic names and ids in paths, and refuses longer ones in the API shape', async () => {
    // 249 characters, Kafka's longest topic name: past the router's default of 100.
    const name = 't'.repeat(topicNameLengthMax);
    expect((await http.request('POST', '/topics', { name })).status).toBe(201);
    const described = await http.request('GET', `/topics/${name}`);
    expect(described).toMatchObject({ status: 200, body: { name } });
    const tooLong = await http.request('GET', `/topics/${name}x`);
    expectRefusal(tooLong, 400, 'INVALID_REQUEST', 'params/topic');
    // A group id of 1024 characters (code points, as JSON schema counts them), each sent
    // percent-encoded as 4-byte UTF-8: 12 characters in the path for each.
    const group = encodeURIComponent('💥'.repeat(httpIdLengthMax));
    expectRefusal(await http.request('GET', `/groups/${group}`), 404, 'GROUP_ID_NOT_FOUND', '💥');
    const longer = await http.request('GET', `/groups/${group}x`);
    expectRefusal(longer, 400, 'INVALID_REQUEST', 'params/group must NOT have more than 1024');
    const longest = await http.request('GET', `/groups/${'x'.repeat(httpPathParamLengthMax + 1)}`);
    expectRefusal(longest, 414, 'URI_TOO_LONG', 'path parameter');
    const undecodable = await http.request('GET', '/topics/%E0%A4%A');
    expectRefusal(undecodable, 400, 'INVALID_REQUEST', 'not a valid url');
  });

  it('refuses negative and non-numeric offsets and limits', async () => {
    const negative = await http.request('GET', '/topics/in/partitions/0/records?offset=-1');
    expectRefusal(negative, 400, 'INVALID_REQUEST', 'offset');
    const word = await http.request('GET', '/topics/in/partitions/0/records?offset=first');
    expectRefusal(word, 400, 'INVALID_REQUEST', 'offset');
    const partition = await http.request('GET', '/topics/in/partitions/-2/records');
    expectRefusal(partition, 400, 'INVALID_REQUEST', 'partition');
    const both = await http.request('GET', '/topics/in/partitions/0/records?offset=0&timestamp=1');
    expectRefusal(both, 400, 'INVALID_REQUEST', 'not both');
    const wait = await http.request('GET', '/topics/in/partitions/0/records?waitMs=99999999');
    expectRefusal(wait, 400, 'INVALID_REQUEST', 'waitMs');
    const acks = await http.request('POST', '/topics/in/records?acks=2', {
      records: [{ value: 1 }],
    });
    expectRefusal(acks, 400, 'INVALID_REQUEST', 'allowed values: all, -1, 0, 1');
    const reset = await http.request('POST', '/groups/g/offsets/reset', {
      topic: 'in',
      to: { offset: -5 },
    });
    expect(reset.status).toBe(400);
  });

  it('refuses oversized batches and bodies with 413', async () => {
    const many = Array.from({ length: httpProduceRecordsMax + 1 }, () => ({ value: 1 }));
    const tooMany = await http.request('POST', '/topics/in/records', { records: many });
    expectRefusal(tooMany, 413, 'TOO_MANY_RECORDS', String(httpProduceRecordsMax));
    const big = await http.request('POST', '/topics/small/records', {
      valueFormat: 'text',
      records: [{ value: 'x'.repeat(2_000) }],
    });
    expectRefusal(big, 413, 'MESSAGE_TOO_LARGE', 'max.message.bytes=1000');
    const huge = await http.raw(
      'POST',
      '/topics/in/records',
      JSON.stringify({ records: [{ value: 'x'.repeat(17 * 1024 * 1024) }] }),
      'application/json',
    );
    expectRefusal(huge, 413, 'BODY_TOO_LARGE', 'larger than the limit');
    expect(http.broker.registry.partitionLog('small', 0)!.logEndOffset).toBe(0);
  });

  it('refuses wrong types and unknown fields, naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'records'],
      [{ records: 'x' }, 'records'],
      [{ records: [] }, 'records'],
      [{ records: [{ key: 'k' }] }, 'value'],
      [{ records: [{ value: 1, extra: true }] }, 'extra'],
      [{ records: [{ value: 1, partition: -1 }] }, 'partition'],
      [{ records: [{ value: 1, key: { a: 1 } }] }, 'key'],
      [{ records: [{ value: 1, headers: [{ value: 'v' }] }] }, 'key'],
      [{ records: [{ value: 1 }], acks: 2 }, 'acks'],
      [{ records: [{ value: 1 }], valueFormat: 'xml' }, 'valueFormat'],
      [{ records: [{ value: 5 }], valueFormat: 'text' }, 'records[0].value'],
      [{ records: [{ value: '!!' }], valueFormat: 'base64' }, 'base64'],
    ];
    for (const [body, words] of cases) {
      const answer = await http.request('POST', '/topics/in/records', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((answer.body as { message: string }).message, JSON.stringify(body)).toContain(words);
    }
    const internal = await http.request('POST', '/topics/__consumer_offsets/records', {
      records: [{ value: 1 }],
    });
    expectRefusal(internal, 403, 'TOPIC_AUTHORIZATION_FAILED', 'internal');
    const name = await http.request('POST', '/topics', { name: 'bad name!' });
    expectRefusal(name, 400, 'INVALID_REQUEST', 'name');
    const join = await http.request('POST', '/groups/g/members', { topics: ['in'], extra: 1 });
    expect(join.status).toBe(400);
  });
});

/** A small seeded generator (mulberry32), so a failure can be replayed from its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}

type Random = ReturnType<typeof random>;

function randomJson(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 2 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 60, -(2 ** 53), Number.MAX_SAFE_INTEGER]);
    case 3:
      return r.pick(['', 'x', '-1', '💥', '\u0000', 'all', 'x'.repeat(r.int(200_000))]);
    case 4:
      return r.pick([[], {}]);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let index = r.int(4); index > 0; index--) {
        object[r.pick(['records', 'value', 'key', 'partition', 'acks', 'zz'])] = randomJson(
          r,
          depth + 1,
        );
      }
      return object;
    }
  }
}

/** A produce body that is wrong by construction, in one of many ways. */
function invalidProduceBody(r: Random): unknown {
  const record = () => ({ value: 'v', key: 'k', partition: 0 });
  const wrongType = () => r.pick([{ a: 1 }, [1], [], { nested: [{}] }]);
  switch (r.int(12)) {
    case 0:
      return r.pick([null, 1, 'records', [], true, [{ value: 1 }]]);
    case 1:
      return { ...(randomJson(r) as object), records: wrongType() };
    case 2:
      return { records: [record(), r.pick([1, 'x', null, [], true])] };
    case 3:
      return { records: [{ key: 'k', partition: 0 }] };
    case 4:
      return { records: [{ ...record(), [`unknown${r.int(9)}`]: randomJson(r) }] };
    case 5:
      return { records: [{ ...record(), partition: r.pick([-1, 1.5, 'two', {}, 2, 2 ** 40]) }] };
    case 6:
      return { records: [{ ...record(), key: wrongType() }] };
    case 7:
      return { records: [{ ...record(), headers: r.pick([{}, 'h', [{}], [{ key: {} }]]) }] };
    case 8:
      return { records: [{ ...record(), timestamp: r.pick([-1, 1.5, 'now', {}]) }] };
    case 9:
      return { records: [record()], acks: r.pick([2, -2, 'some', {}, [], 1.5]) };
    case 10:
      return {
        records: [{ value: r.pick([5, {}, [], true, '%%%', 'x'.repeat(100_001)]) }],
        valueFormat: 'base64',
      };
    default:
      return { records: [record()], valueFormat: r.pick(['JSON', '', 1, null, {}]) };
  }
}

function invalidConsumePath(r: Random): string {
  const partition = r.pick(['0', '0', '-1', 'x', '1.5', '99', '9'.repeat(30)]);
  const topic = r.pick(['in', 'in', 'in', 'missing', 'x'.repeat(300), 'bad%20name']);
  const query = r.pick([
    'offset=-1',
    'offset=abc',
    'offset=99999999999999999999',
    'offset=1e3x',
    'timestamp=-5',
    'maxRecords=0',
    'maxRecords=100000000',
    'maxBytes=-1',
    'waitMs=-1',
    'waitMs=1000000',
    'format=xml',
    'offset=0&timestamp=0',
    'unknown=1',
    'offset=500',
  ]);
  // A valid topic and partition with an invalid query, or an invalid path with any query.
  return `/topics/${topic}/partitions/${partition}/records?${query}`;
}

describe('fuzz', () => {
  it('answers every invalid produce or consume with a 4xx and keeps serving', async () => {
    const seed = Number(process.env.CAIRN_FUZZ_SEED ?? Date.now() % 1_000_000);
    const r = random(seed);
    const statuses = new Map<number, number>();
    try {
      for (let round = 0; round < 300; round++) {
        let answer: HttpAnswer;
        let sent: string;
        const choice = r.int(10);
        if (choice < 5) {
          const body = invalidProduceBody(r);
          sent = `POST body ${JSON.stringify(body).slice(0, 200)}`;
          answer = await http.request(
            'POST',
            `/topics/in/records?acks=${r.pick(['1', 'all'])}`,
            body,
          );
        } else if (choice < 6) {
          const text = JSON.stringify({ records: [{ value: randomJson(r) }] });
          const cut = text.slice(0, r.int(text.length - 1));
          sent = `POST truncated ${cut.slice(0, 200)}`;
          answer = await http.raw('POST', '/topics/in/records', cut, 'application/json');
        } else if (choice < 7) {
          const type = r.pick(['text/plain', 'application/xml', 'application/octet-stream']);
          sent = `POST as ${type}`;
          answer = await http.raw('POST', '/topics/in/records', '{"records":[]}', type);
        } else {
          const path = invalidConsumePath(r);
          sent = `GET ${path.slice(0, 200)}`;
          answer = await http.request('GET', path);
        }
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expect(
          answer.status,
          `${sent} -> ${JSON.stringify(answer.body).slice(0, 300)}`,
        ).toBeGreaterThanOrEqual(400);
        expect(answer.status, sent).toBeLessThan(500);
        expect(answer.body, sent).toMatchObject({
          error: expect.any(String),
          message: expect.any(String),
        });
      }
    } catch (error) {
      console.error(`HTTP fuzz failed with CAIRN_FUZZ_SEED=${seed}`);
      throw error;
    }
    // Nothing invalid was appended, and a good produce and consume still work.
    expect(http.broker.registry.partitionLog('in', 0)!.logEndOffset).toBe(0);
    expect(http.broker.registry.partitionLog('in', 1)!.logEndOffset).toBe(0);
    const good = await http.request('POST', '/topics/in/records', {
      records: [{ value: { ok: true }, partition: 1 }],
    });
    expect(good).toMatchObject({ status: 200, body: { offsets: [{ partition: 1, offset: 0 }] } });
    const read = await http.request('GET', '/topics/in/partitions/1/records');
    expect(read.body).toMatchObject({ records: [{ value: { ok: true } }] });
    expect((await http.request('GET', '/readyz')).status).toBe(200);
    expect(statuses.size).toBeGreaterThan(2);
  });
});
