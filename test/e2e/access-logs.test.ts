/**
 * GET /v1/access-logs end to end: sign-ins (category `auth`) of the same actor,
 * IP and user agent (and result) less than 60 minutes apart form one group;
 * filters by actor, result and time; pagination yields every group once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, type Client, expectError, expectValidation, ingest, issueToken, client, type Json, MINUTE, paginate, type Query,
  UA, uid,
} from './helpers.js';

const ADA = { type: 'user', id: 'u_ada', name: 'Ada', email: 'ada@example.com' };
const BOB = { type: 'user', id: 'u_bob', name: 'Bob' };
const CARL = { type: 'user', id: 'u_carl', email: 'carl@example.com' };
const DAN = { type: 'user', id: 'u_dan' };
const IP1 = '203.0.113.1';
const IP2 = '198.51.100.2';
const FIREFOX = { browser: 'Firefox 132', os: 'Ubuntu', device: 'desktop' };

/** Reference time: six hours ago, so every sign-in is within 24 h and in the past. */
const T = Date.now() - 6 * 60 * MINUTE;
/** ISO time `m` minutes before T. */
const at = (m: number) => new Date(T - m * MINUTE).toISOString();

interface SignIn { actor: Json; ip?: string; ua?: string; m: number; result?: string; action?: string }
const SIGN_INS: SignIn[] = [
  // Ada, IP1, Firefox: 8 sign-ins 10 minutes apart (a 70-minute session) → one group
  ...[110, 120, 130, 140, 150, 160, 170, 180].map((m) => ({ actor: ADA, ip: IP1, ua: UA.firefoxUbuntu, m })),
  // ... and one 61 minutes before that session → a group of its own
  { actor: ADA, ip: IP1, ua: UA.firefoxUbuntu, m: 241 },
  // Ada from another IP, and with another browser, within the session → separate groups
  { actor: ADA, ip: IP2, ua: UA.firefoxUbuntu, m: 150 },
  { actor: ADA, ip: IP2, ua: UA.firefoxUbuntu, m: 155 },
  { actor: ADA, ip: IP1, ua: UA.chromeWindows, m: 145 },
  // Ada failing from the same IP and browser within the session → a failure group
  { actor: ADA, ip: IP1, ua: UA.firefoxUbuntu, m: 165, result: 'failure', action: 'auth.sign_in_failed' },
  // Bob: 59 minutes apart → one group
  { actor: BOB, ip: IP1, ua: UA.firefoxUbuntu, m: 400 },
  { actor: BOB, ip: IP1, ua: UA.firefoxUbuntu, m: 459 },
  // Carl: exactly 60 minutes apart → two groups
  { actor: CARL, ip: IP2, ua: UA.chromeWindows, m: 401 },
  { actor: CARL, ip: IP2, ua: UA.chromeWindows, m: 461 },
  // Dan: two failures, no user agent
  { actor: DAN, ip: IP2, m: 30, result: 'failure', action: 'auth.sign_in_failed' },
  { actor: DAN, ip: IP2, m: 35, result: 'failure', action: 'auth.sign_in_failed' },
];

/** The groups those sign-ins must form, newest first. */
const g = (actor: Json, ip: string, ua: string | undefined, newest: number, oldest: number, count: number, result = 'success') => ({
  actor, ip, ...(ua ? { userAgent: ua } : {}), firstAt: at(oldest), lastAt: at(newest), count, result,
});
const EXPECTED = [
  g(DAN, IP2, undefined, 30, 35, 2, 'failure'),
  g(ADA, IP1, UA.firefoxUbuntu, 110, 180, 8),
  g(ADA, IP1, UA.chromeWindows, 145, 145, 1),
  g(ADA, IP2, UA.firefoxUbuntu, 150, 155, 2),
  g(ADA, IP1, UA.firefoxUbuntu, 165, 165, 1, 'failure'),
  g(ADA, IP1, UA.firefoxUbuntu, 241, 241, 1),
  g(BOB, IP1, UA.firefoxUbuntu, 400, 459, 2),
  g(CARL, IP2, UA.chromeWindows, 401, 401, 1),
  g(CARL, IP2, UA.chromeWindows, 461, 461, 1),
];
/** What a listed group is compared on (client checked separately). */
const shape = (group: Json) => {
  const { client: _client, ...rest } = group;
  return rest;
};

let api: Client;
let reader: Client;

beforeAll(async () => {
  const { admin, tenant } = await adminOfNewTenant();
  api = admin;
  reader = client((await issueToken(tenant, ['events:read'])).token);
  const events = SIGN_INS.map((s) => ({
    id: uid('signin'),
    occurredAt: at(s.m),
    action: s.action ?? 'auth.signed_in',
    actor: s.actor,
    ...(s.ip ? { ip: s.ip } : {}),
    ...(s.ua ? { userAgent: s.ua } : {}),
    ...(s.result ? { result: s.result } : {}),
  }));
  // Not sign-ins: other categories by the same actor, IP and browser, in the middle of the session.
  events.push({ id: uid('work'), occurredAt: at(135), action: 'project.updated', actor: ADA, ip: IP1, userAgent: UA.firefoxUbuntu });
  events.push({ id: uid('work'), occurredAt: at(20), action: 'authz.checked', actor: ADA, ip: IP1, userAgent: UA.firefoxUbuntu });
  await ingest(api, events);
});

describe('grouping', () => {
  it('groups sign-ins of the same actor, IP, user agent and result less than 60 minutes apart, newest first', async () => {
    // Act
    const res = await reader.get('/v1/access-logs');

    // Assess
    expect(res.status, res.text).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.groups.map(shape)).toEqual(EXPECTED);
  });

  it('derives the client of each group from its user agent', async () => {
    const { groups } = (await reader.get('/v1/access-logs')).body;
    const session = groups.find((x: Json) => x.count === 8);
    expect(session.client).toEqual(FIREFOX);
    const chrome = groups.find((x: Json) => x.userAgent === UA.chromeWindows);
    expect(chrome.client).toMatchObject({ browser: 'Chrome 131', os: 'Windows 10', device: 'desktop' });
    const dan = groups.find((x: Json) => x.actor.id === 'u_dan');
    expect(dan.client).toBeUndefined();
  });

  it('counts only category auth: other events of the same actor, IP and browser are left out', async () => {
    const { groups } = (await reader.get('/v1/access-logs')).body;
    expect(groups.reduce((n: number, x: Json) => n + x.count, 0)).toBe(SIGN_INS.length);
  });
});

describe('filters', () => {
  it.each<[string, Query, (x: (typeof EXPECTED)[number]) => boolean]>([
    ['actor', { actor: 'u_bob' }, (x) => x.actor.id === 'u_bob'],
    ['actor with several groups', { actor: 'u_ada' }, (x) => x.actor.id === 'u_ada'],
    ['result', { result: 'failure' }, (x) => x.result === 'failure'],
    ['actor and result', { actor: 'u_ada', result: 'success' }, (x) => x.actor.id === 'u_ada' && x.result === 'success'],
    ['range', { range: '24h' }, () => true],
    ['from and to', { from: at(200), to: at(100) }, (x) => x.lastAt <= at(100) && x.firstAt >= at(200)],
    ['an unknown actor', { actor: 'u_nobody' }, () => false],
  ])('by %s', async (_name, query, pred) => {
    const { items } = await paginate(reader, '/v1/access-logs', query, 'groups');
    expect(items.map(shape)).toEqual(EXPECTED.filter(pred));
  });

  it('counts only the sign-ins inside the time window', async () => {
    // Bob's group is cut by `to`: only his older sign-in remains.
    const { items } = await paginate(reader, '/v1/access-logs', { actor: 'u_bob', to: at(430) }, 'groups');
    expect(items.map(shape)).toEqual([g(BOB, IP1, UA.firefoxUbuntu, 459, 459, 1)]);
  });
});

describe('pagination', () => {
  it.each([1, 2, 4])('yields each group exactly once with limit=%i', async (limit) => {
    // Act
    const { items, pages } = await paginate(reader, '/v1/access-logs', { limit }, 'groups');

    // Assess
    expect(items.map(shape)).toEqual(EXPECTED);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(EXPECTED.length / limit));
  });

  it('never returns more groups than limit', async () => {
    let cursor: string | undefined;
    do {
      const res = await reader.get('/v1/access-logs', { limit: 2, cursor });
      expect(res.body.groups.length).toBeLessThanOrEqual(2);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
  });

  it('paginates a filtered listing', async () => {
    const { items } = await paginate(reader, '/v1/access-logs', { actor: 'u_ada', limit: 1 }, 'groups');
    expect(items.map(shape)).toEqual(EXPECTED.filter((x) => x.actor.id === 'u_ada'));
  });
});

describe('validation and cursors', () => {
  it.each<[string, Query, string]>([
    ['limit=0', { limit: 0 }, 'limit'],
    ['limit=201', { limit: 201 }, 'limit'],
    ['result=ok', { result: 'ok' }, 'result'],
    ['range=1y', { range: '1y' }, 'range'],
    ['from after to', { from: at(0), to: at(10) }, 'from'],
    ['an events-only filter', { action: 'auth.signed_in' }, 'action'],
    ['an unknown parameter', { ip: IP1 }, 'ip'],
  ])('rejects %s', async (_name, query, path) => {
    expect([...new Set(expectValidation(await reader.get('/v1/access-logs', query)))]).toEqual([path]);
  });

  it('rejects a forged cursor', async () => {
    expectError(await reader.get('/v1/access-logs', { cursor: 'eyJiIjoiOTk5OSJ9.AAAA' }), 400, 'invalid_cursor');
  });

  it('rejects a cursor reused with another filter', async () => {
    const first = await reader.get('/v1/access-logs', { actor: 'u_ada', limit: 1 });
    expect(first.body.nextCursor).toEqual(expect.any(String));
    expectError(await reader.get('/v1/access-logs', { actor: 'u_bob', limit: 1, cursor: first.body.nextCursor }), 400, 'invalid_cursor');
    expectError(await reader.get('/v1/access-logs', { limit: 1, cursor: first.body.nextCursor }), 400, 'invalid_cursor');
  });

  it('rejects an events cursor, and an access-log cursor on events', async () => {
    const events = await reader.get('/v1/events', { limit: 1 });
    const logs = await reader.get('/v1/access-logs', { limit: 1 });
    expectError(await reader.get('/v1/access-logs', { limit: 1, cursor: events.body.nextCursor }), 400, 'invalid_cursor');
    expectError(await reader.get('/v1/events', { limit: 1, cursor: logs.body.nextCursor }), 400, 'invalid_cursor');
  });
});
