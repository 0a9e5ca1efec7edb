// Proves HTTP clients consume as real members of a group: the broker joins and syncs them
// with the group coordinator (range assignment), rebalances when a member joins, redelivers
// records not committed before a rebalance, commits through the coordinator (lag over HTTP
// follows), removes a member whose HTTP client stops polling for its session timeout, and
// lets a member leave. Real broker, real sockets, short session timeouts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpFixture, startHttpFixture } from './http-fixture.js';

let http: HttpFixture;

beforeAll(async () => {
  http = await startHttpFixture({ groupConfig: { sessionTimeoutMsMin: 100 } });
  await http.request('POST', '/topics', { name: 'work', partitions: 4 });
  const records = [0, 1, 2, 3].flatMap((partition) => [
    { value: `p${partition}-a`, partition },
    { value: `p${partition}-b`, partition },
  ]);
  await http.request('POST', '/topics/work/records', { records });
});

afterAll(async () => {
  await http?.close();
});

interface Joined {
  memberId: string;
  generationId: number;
  assignment: Array<{ topic: string; partitions: number[] }>;
}

interface Polled {
  records: Array<{ topic: string; partition: number; offset: number; value: unknown }>;
  generationId: number;
  assignment: Joined['assignment'];
}

const sessionTimeoutMs = 1_200;

async function join(group: string): Promise<Joined> {
  const joined = await http.request<Joined>('POST', `/groups/${group}/members`, {
    topics: ['work'],
    sessionTimeoutMs,
    autoOffsetReset: 'earliest',
  });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  return joined.body;
}

async function poll(group: string, memberId: string, waitMs = 300): Promise<Polled> {
  const polled = await http.request<Polled>(
    'GET',
    `/groups/${group}/members/${memberId}/records?waitMs=${waitMs}`,
  );
  expect(polled.status, JSON.stringify(polled.body)).toBe(200);
  return polled.body;
}

/** Polls until `done` holds, as a client loop would (each poll is also a heartbeat). */
async function pollUntil(
  group: string,
  memberId: string,
  done: (polled: Polled, seen: Polled['records']) => boolean,
): Promise<Polled['records']> {
  const seen: Polled['records'] = [];
  const deadline = Date.now() + 10_000;
  for (;;) {
    const polled = await poll(group, memberId, 100);
    seen.push(...polled.records);
    if (done(polled, seen)) return seen;
    if (Date.now() > deadline) throw new Error(`never done: ${JSON.stringify(polled)}`);
  }
}

function partitionsOf(assignment: Joined['assignment']): number[] {
  return assignment.flatMap((entry) => entry.partitions).sort();
}

describe('HTTP group members', () => {
  it('assigns, rebalances, redelivers uncommitted records, commits, expires and leaves', async () => {
    const first = await join('hg');
    expect(partitionsOf(first.assignment)).toEqual([0, 1, 2, 3]);
    const all = await pollUntil('hg', first.memberId, (_, seen) => seen.length >= 8);
    expect(all.map((r) => r.value).sort()).toEqual(
      ['p0-a', 'p0-b', 'p1-a', 'p1-b', 'p2-a', 'p2-b', 'p3-a', 'p3-b'].sort(),
    );
    // Commit only partitions 0 and 1; 2 and 3 stay uncommitted.
    const committed = await http.request('POST', `/groups/hg/members/${first.memberId}/commit`, {
      offsets: [
        { topic: 'work', partition: 0, offset: 2 },
        { topic: 'work', partition: 1, offset: 2, metadata: 'http' },
      ],
    });
    expect(committed.status, JSON.stringify(committed.body)).toBe(200);

    // A second member joins: the broker rejoins the first on its behalf (heartbeat sees the
    // rebalance), and range splits the partitions 2 and 2.
    const joining = join('hg');
    const second = await joining;
    const described = await http.request<{
      state: string;
      protocol: string;
      members: Array<{ memberId: string; clientId: string; assignment: Joined['assignment'] }>;
    }>('GET', '/groups/hg');
    expect(described.body).toMatchObject({ state: 'Stable', protocol: 'range' });
    expect(described.body.members).toHaveLength(2);
    expect(described.body.members.every((m) => m.clientId === 'cairn-http')).toBe(true);
    const owned = described.body.members.map((m) => partitionsOf(m.assignment));
    expect(owned.flat().sort()).toEqual([0, 1, 2, 3]);
    const sorted = [first.memberId, second.memberId].sort();
    const lowFirst = described.body.members.find((m) => m.memberId === sorted[0])!;
    expect(partitionsOf(lowFirst.assignment)).toEqual([0, 1]);

    // Whoever owns 2 and 3 reads them again from the start; 0 and 1 resume at the commit.
    const [firstSeen, secondSeen] = await Promise.all([
      pollUntil('hg', first.memberId, (p) => p.assignment.length > 0),
      pollUntil('hg', second.memberId, (p) => p.assignment.length > 0),
    ]);
    const redelivered = [...firstSeen, ...secondSeen];
    const moreSeen = await Promise.all([
      pollUntil('hg', sorted[0]!, () => true),
      pollUntil('hg', sorted[1]!, (_, seen) => seen.length + redelivered.length >= 4),
    ]);
    const values = [...redelivered, ...moreSeen.flat()].map((r) => r.value).sort();
    expect(values).toEqual(['p2-a', 'p2-b', 'p3-a', 'p3-b']);

    // Commit positions (no body) from the owner of 2 and 3: lag is 0 everywhere.
    const ownerCommit = await http.request<{ offsets: unknown[] }>(
      'POST',
      `/groups/hg/members/${sorted[1]}/commit`,
    );
    expect(ownerCommit.status, JSON.stringify(ownerCommit.body)).toBe(200);
    expect(ownerCommit.body.offsets).toEqual([
      { topic: 'work', partition: 2, offset: 2 },
      { topic: 'work', partition: 3, offset: 2 },
    ]);
    const lag = await http.request<{ partitions: Array<Record<string, unknown>> }>(
      'GET',
      '/groups/hg/offsets',
    );
    expect(lag.body.partitions.map((p) => [p.partition, p.committedOffset, p.lag])).toEqual([
      [0, 2, 0],
      [1, 2, 0],
      [2, 2, 0],
      [3, 2, 0],
    ]);
    expect(lag.body.partitions[1]).toMatchObject({ metadata: 'http' });

    // The second member's client goes silent: after its session timeout the broker removes
    // it, and the first, still polling, is given every partition.
    const silent = sorted[1] === first.memberId ? first.memberId : second.memberId;
    const active = silent === first.memberId ? second.memberId : first.memberId;
    const startedAt = Date.now();
    await pollUntil('hg', active, (p) => p.assignment[0]?.partitions.length === 4);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(sessionTimeoutMs / 2);
    const gone = await http.request('GET', `/groups/hg/members/${silent}/records`);
    expect(gone).toMatchObject({ status: 404, body: { error: 'UNKNOWN_MEMBER_ID' } });

    // Leaving empties the group; its offsets stay.
    expect((await http.request('DELETE', `/groups/hg/members/${active}`)).status).toBe(204);
    const empty = await http.request('GET', '/groups/hg');
    expect(empty.body).toMatchObject({ state: 'Empty', members: [] });
    expect((await http.request('GET', `/groups/hg/members/${active}/records`)).status).toBe(404);
    const reset = await http.request('POST', '/groups/hg/offsets/reset', {
      topic: 'work',
      to: 'latest',
    });
    expect(reset.status).toBe(200);
  });

  it('refuses to reset or delete a group with members, and a bad session timeout', async () => {
    const member = await join('busy');
    const reset = await http.request('POST', '/groups/busy/offsets/reset', {
      topic: 'work',
      to: 'earliest',
    });
    expect(reset).toMatchObject({ status: 409, body: { error: 'NON_EMPTY_GROUP' } });
    const deleted = await http.request('DELETE', '/groups/busy');
    expect(deleted).toMatchObject({ status: 409, body: { error: 'NON_EMPTY_GROUP' } });
    const tooShort = await http.request('POST', '/groups/busy/members', {
      topics: ['work'],
      sessionTimeoutMs: 50,
    });
    expect(tooShort).toMatchObject({ status: 400, body: { error: 'INVALID_SESSION_TIMEOUT' } });
    expect((tooShort.body as { message: string }).message).toContain('50');
    await http.request('DELETE', `/groups/busy/members/${member.memberId}`);
    expect((await http.request('DELETE', '/groups/busy')).status).toBe(204);
    expect((await http.request('DELETE', '/groups/busy')).status).toBe(404);
  });
});
