/**
 * GET /v1/events and GET /v1/events/{id} end to end: every filter alone and
 * combined, search, range presets, newest-first order, cursor pagination
 * (collecting each event exactly once), limits, and tamper-proof cursors.
 *
 * One tenant holds a known data set spread over 85 days; the expected result
 * of each query is computed from the events as stored, with the contract's
 * definition of each filter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, type Client, DAY, event, expectError, expectValidation, HOUR, ingest, type Json, listIds, MINUTE, newestFirst, paginate,
  type Query, uid,
} from './helpers.js';

const ACTORS = [
  { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'Ada@Example.com' },
  { type: 'user', id: 'u_bob', name: 'Bob Stone', email: 'bob@example.org' },
  { type: 'service', id: 'svc_ci', name: 'CI Deploy' },
  { type: 'system', id: 'sys_auth' },
];
const ACTIONS = ['project.created', 'project.updated', 'project.deleted', 'form.deployed', 'auth.signed_in', 'submission.edited', 'projects.archived'];
const RESOURCES = [{ type: 'project', id: 'p_1', name: 'Household Survey' }, { type: 'form', id: 'f_1', name: 'Intake Form' }, undefined];
const PROJECTS = ['p_1', 'p_1', 'p_2', undefined, undefined];
const RESULTS = ['success', 'success', 'success', 'success', 'failure', 'invalid_input'];
const SEVERITIES = ['info', 'notice', 'warning', 'critical'];
const COUNT = 60;

/** Hours ago of event i: 12 within 24 h, 18 within 7 d, 15 within 30 d, 15 within 90 d, each ≥ 2 h from a preset boundary. */
function hoursAgo(i: number): number {
  if (i < 12) return 1.5 * (i + 1);
  if (i < 30) return 26 + (i - 12) * 8;
  if (i < 45) return 8 * 24 + (i - 30) * 1.4 * 24;
  return 32 * 24 + (i - 45) * 3.8 * 24;
}

let api: Client;
let other: Client;
/** The clock of this file's data set; filters are computed against it. */
const now = Date.now();
/** The data set as stored, newest first. */
let stored: Json[];

beforeAll(async () => {
  ({ admin: api } = await adminOfNewTenant());
  ({ admin: other } = await adminOfNewTenant());
  const events = Array.from({ length: COUNT }, (_, i) => {
    const e: Record<string, unknown> = {
      id: uid(`q${i}`),
      occurredAt: new Date(now - hoursAgo(i) * HOUR - i * 1000).toISOString(),
      action: ACTIONS[i % ACTIONS.length],
      actor: ACTORS[i % ACTORS.length],
      result: RESULTS[i % RESULTS.length],
      severity: SEVERITIES[Math.floor(i / 2) % SEVERITIES.length],
      metadata: { needle: 'metaonlyneedle', i },
    };
    if (RESOURCES[i % 3]) e.resource = RESOURCES[i % 3];
    if (PROJECTS[i % 5]) e.project = PROJECTS[i % 5];
    if (i % 10 === 0) e.message = `Zebra crossing repainted #${i}`;
    if (i % 11 === 0) e.category = 'custom_cat';
    return e;
  });
  await ingest(api, events);
  stored = (await paginate(api, '/v1/events', { limit: 200 })).items;
  expect(stored.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
  await ingest(other, [event(), event(), event()]);
});

/** Ids of the stored events matching `pred`, newest first. */
const expected = (pred: (e: Json) => boolean): string[] => stored.filter(pred).sort(newestFirst).map((e) => e.id);
const since = (ms: number) => (e: Json) => Date.parse(e.occurredAt) >= now - ms;
const searchable = (e: Json) => [e.actor.name, e.actor.email, e.action, e.resource?.name, e.message].filter(Boolean).join('\n').toLowerCase();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

describe('the whole log', () => {
  it('lists every event exactly once, newest first', () => {
    // Assess (the data set was read in beforeAll, all pages)
    expect(stored).toHaveLength(COUNT);
    expect(stored.map((e) => e.id)).toEqual([...stored].sort(newestFirst).map((e) => e.id));
    for (let i = 1; i < stored.length; i++) expect(stored[i - 1].occurredAt >= stored[i].occurredAt).toBe(true);
  });

  it('returns 50 events and a cursor by default', async () => {
    const res = await api.get('/v1/events');
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(50);
    expect(typeof res.body.nextCursor).toBe('string');
    expect(res.body.events.map((e: Json) => e.id)).toEqual(stored.slice(0, 50).map((e) => e.id));
  });

  it('returns everything and a null cursor with limit=200', async () => {
    const res = await api.get('/v1/events', { limit: 200 });
    expect(res.body.events.map((e: Json) => e.id)).toEqual(stored.map((e) => e.id));
    expect(res.body.nextCursor).toBeNull();
  });

  it.each([1, 2, 7, 59, 60, 61])('pages through everything with limit=%i, each event exactly once', async (limit) => {
    // Act
    const { items, pages } = await paginate(api, '/v1/events', { limit });

    // Assess
    expect(items.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(COUNT / limit));
  });

  it('never returns more than limit events on a page', async () => {
    let cursor: string | undefined;
    do {
      const res = await api.get('/v1/events', { limit: 7, severity: 'notice', cursor });
      expect(res.body.events.length).toBeLessThanOrEqual(7);
      cursor = res.body.nextCursor ?? undefined;
    } while (cursor);
  });
});

interface FilterCase { readonly name: string; readonly query: Query; readonly pred: (e: Json) => boolean; readonly empty?: boolean }

const FILTERS: FilterCase[] = [
  { name: 'range=24h', query: { range: '24h' }, pred: since(DAY) },
  { name: 'range=7d', query: { range: '7d' }, pred: since(7 * DAY) },
  { name: 'range=30d', query: { range: '30d' }, pred: since(30 * DAY) },
  { name: 'range=90d', query: { range: '90d' }, pred: since(90 * DAY) },
  { name: 'from', query: { from: iso(10 * DAY) }, pred: (e) => e.occurredAt >= iso(10 * DAY) },
  { name: 'to', query: { to: iso(20 * DAY) }, pred: (e) => e.occurredAt <= iso(20 * DAY) },
  { name: 'from and to', query: { from: iso(10 * DAY), to: iso(2 * DAY) }, pred: (e) => e.occurredAt >= iso(10 * DAY) && e.occurredAt <= iso(2 * DAY) },
  { name: 'from with an offset', query: { from: new Date(now - 10 * DAY + 3 * HOUR).toISOString().replace('Z', '+03:00') }, pred: (e) => e.occurredAt >= iso(10 * DAY) },
  { name: 'action', query: { action: 'project.updated' }, pred: (e) => e.action === 'project.updated' },
  { name: 'action repeated', query: { action: ['form.deployed', 'auth.signed_in'] }, pred: (e) => ['form.deployed', 'auth.signed_in'].includes(e.action) },
  { name: 'action prefix project.* (not projects.)', query: { action: 'project.*' }, pred: (e) => e.action.startsWith('project.') },
  { name: 'action prefix and exact', query: { action: ['project.*', 'form.deployed'] }, pred: (e) => e.action.startsWith('project.') || e.action === 'form.deployed' },
  { name: 'action unknown', query: { action: 'nothing.here' }, pred: () => false, empty: true },
  { name: 'category derived', query: { category: 'project' }, pred: (e) => e.category === 'project' },
  { name: 'category explicit', query: { category: 'custom_cat' }, pred: (e) => e.category === 'custom_cat' },
  { name: 'actor', query: { actor: 'u_ada' }, pred: (e) => e.actor.id === 'u_ada' },
  { name: 'actor system', query: { actor: 'sys_auth' }, pred: (e) => e.actor.id === 'sys_auth' },
  { name: 'actor unknown', query: { actor: 'u_nobody' }, pred: () => false, empty: true },
  { name: 'actorEmail, any case', query: { actorEmail: 'ADA@example.COM' }, pred: (e) => e.actor.email?.toLowerCase() === 'ada@example.com' },
  { name: 'resourceType', query: { resourceType: 'form' }, pred: (e) => e.resource?.type === 'form' },
  { name: 'resourceId', query: { resourceId: 'p_1' }, pred: (e) => e.resource?.id === 'p_1' },
  { name: 'project', query: { project: 'p_2' }, pred: (e) => e.project === 'p_2' },
  { name: 'result', query: { result: 'failure' }, pred: (e) => e.result === 'failure' },
  { name: 'result invalid_input', query: { result: 'invalid_input' }, pred: (e) => e.result === 'invalid_input' },
  { name: 'severity', query: { severity: 'critical' }, pred: (e) => e.severity === 'critical' },
  { name: 'q on actor name, any case', query: { q: 'LOVELACE' }, pred: (e) => searchable(e).includes('lovelace') },
  { name: 'q on actor email', query: { q: 'example.com' }, pred: (e) => searchable(e).includes('example.com') },
  { name: 'q on action', query: { q: 'form.deploy' }, pred: (e) => searchable(e).includes('form.deploy') },
  { name: 'q on resource name', query: { q: 'intake' }, pred: (e) => searchable(e).includes('intake') },
  { name: 'q on message', query: { q: 'zebra Crossing' }, pred: (e) => searchable(e).includes('zebra crossing') },
  { name: 'q does not search metadata', query: { q: 'metaonlyneedle' }, pred: () => false, empty: true },
  { name: 'actor + project', query: { actor: 'u_ada', project: 'p_1' }, pred: (e) => e.actor.id === 'u_ada' && e.project === 'p_1' },
  { name: 'actor + result + range', query: { actor: 'u_bob', result: 'success', range: '30d' }, pred: (e) => e.actor.id === 'u_bob' && e.result === 'success' && since(30 * DAY)(e) },
  { name: 'resourceId + severity', query: { resourceId: 'p_1', severity: 'notice' }, pred: (e) => e.resource?.id === 'p_1' && e.severity === 'notice' },
  { name: 'project + action prefix + range', query: { project: 'p_1', action: 'project.*', range: '30d' }, pred: (e) => e.project === 'p_1' && e.action.startsWith('project.') && since(30 * DAY)(e) },
  { name: 'category + q', query: { category: 'project', q: 'household' }, pred: (e) => e.category === 'project' && searchable(e).includes('household') },
  { name: 'action repeated + resourceType', query: { action: ['form.deployed', 'auth.signed_in'], resourceType: 'form' }, pred: (e) => ['form.deployed', 'auth.signed_in'].includes(e.action) && e.resource?.type === 'form' },
  { name: 'actorEmail + from', query: { actorEmail: 'bob@example.org', from: iso(30 * DAY) }, pred: (e) => e.actor.email === 'bob@example.org' && e.occurredAt >= iso(30 * DAY) },
  { name: 'resourceType + project + result', query: { resourceType: 'project', project: 'p_1', result: 'success' }, pred: (e) => e.resource?.type === 'project' && e.project === 'p_1' && e.result === 'success' },
  { name: 'actor + resourceId + to', query: { actor: 'svc_ci', resourceId: 'f_1', to: iso(DAY) }, pred: (e) => e.actor.id === 'svc_ci' && e.resource?.id === 'f_1' && e.occurredAt <= iso(DAY) },
  { name: 'everything at once', query: { actor: 'u_ada', resourceType: 'project', project: 'p_1', result: 'success', range: '90d', q: 'ada' }, pred: (e) => e.actor.id === 'u_ada' && e.resource?.type === 'project' && e.project === 'p_1' && e.result === 'success' && searchable(e).includes('ada') },
];

describe('filters', () => {
  it.each(FILTERS)('$name returns exactly the matching events, newest first, on every page size', async ({ query, pred, empty }) => {
    // Prepare
    const want = expected(pred);
    if (!empty) expect(want.length, 'the data set exercises this filter').toBeGreaterThan(0);

    // Act
    const all = await listIds(api, query);
    const small = await listIds(api, { ...query, limit: 2 });

    // Assess
    expect(all).toEqual(want);
    expect(small).toEqual(want);
  });

  it('returns the same events for a filter as the full log does', async () => {
    const res = await api.get('/v1/events', { actor: 'u_bob', limit: 200 });
    for (const e of res.body.events) expect(e).toEqual(stored.find((s) => s.id === e.id));
  });
});

describe('query validation', () => {
  it.each<[string, Query, string]>([
    ['limit=0', { limit: 0 }, 'limit'],
    ['limit=201', { limit: 201 }, 'limit'],
    ['limit=-1', { limit: -1 }, 'limit'],
    ['limit=1.5', { limit: 1.5 }, 'limit'],
    ['limit=abc', { limit: 'abc' }, 'limit'],
    ['an unknown parameter', { sort: 'asc' }, 'sort'],
    ['result=ok', { result: 'ok' }, 'result'],
    ['severity=debug', { severity: 'debug' }, 'severity'],
    ['range=1y', { range: '1y' }, 'range'],
    ['from not a timestamp', { from: 'yesterday' }, 'from'],
    ['to not a timestamp', { to: '2026-02-30' }, 'to'],
    ['from after to', { from: iso(DAY), to: iso(2 * DAY) }, 'from'],
    ['range with from', { range: '7d', from: iso(DAY) }, 'range'],
    ['range with to', { range: '7d', to: iso(DAY) }, 'range'],
    ['actorEmail not an email', { actorEmail: 'ada' }, 'actorEmail'],
    ['category upper case', { category: 'Project' }, 'category'],
    ['q empty', { q: '' }, 'q'],
    ['q blank', { q: '   ' }, 'q'],
    ['q of 257 characters', { q: 'a'.repeat(257) }, 'q'],
    ['actor of 129 characters', { actor: 'a'.repeat(129) }, 'actor'],
    ['cursor empty', { cursor: '' }, 'cursor'],
  ])('rejects %s on its path', async (_name, query, path) => {
    const res = await api.get('/v1/events', query);
    expect([...new Set(expectValidation(res))]).toEqual([path]);
  });

  it.each([['Project.*'], ['project*'], ['project.*.x'], ['*']])('rejects action=%s', async (action) => {
    const res = await api.get('/v1/events', { action });
    const paths = expectValidation(res);
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatch(/^action/);
  });

  it('rejects more than 20 actions', async () => {
    const res = await api.get('/v1/events', { action: Array.from({ length: 21 }, (_, i) => `a.b${i}`) });
    expect(expectValidation(res)[0]).toMatch(/^action/);
  });

  it('accepts limit=1 and limit=200', async () => {
    const one = await api.get('/v1/events', { limit: 1 });
    expect(one.body.events.map((e: Json) => e.id)).toEqual([stored[0].id]);
    expect(one.body.nextCursor).toEqual(expect.any(String));
    expect((await api.get('/v1/events', { limit: 200 })).status).toBe(200);
  });
});

describe('cursors', () => {
  /** A genuine cursor of the first page of `query` with limit 3. */
  const cursorOf = async (client: Client, query: Query = {}) => {
    const res = await client.get('/v1/events', { ...query, limit: 3 });
    expect(res.body.nextCursor, res.text).toEqual(expect.any(String));
    return res.body.nextCursor as string;
  };

  it('resumes where the previous page ended, also with another limit', async () => {
    const cursor = await cursorOf(api);
    const res = await api.get('/v1/events', { limit: 5, cursor });
    expect(res.body.events.map((e: Json) => e.id)).toEqual(stored.slice(3, 8).map((e) => e.id));
  });

  it('can be used twice with the same result', async () => {
    const cursor = await cursorOf(api, { actor: 'u_ada' });
    const a = await api.get('/v1/events', { actor: 'u_ada', limit: 3, cursor });
    const b = await api.get('/v1/events', { actor: 'u_ada', limit: 3, cursor });
    expect(a.body).toEqual(b.body);
  });

  it.each([
    ['garbage', () => 'abc'],
    ['base64 of JSON without a signature', () => Buffer.from('{"b":"9999"}').toString('base64url')],
    ['a forged signature', () => `${Buffer.from('{"b":"9999"}').toString('base64url')}.${Buffer.alloc(32).toString('base64url')}`],
  ])('rejects a forged cursor (%s) with invalid_cursor', async (_name, make) => {
    const res = await api.get('/v1/events', { limit: 3, cursor: make() });
    expectError(res, 400, 'invalid_cursor');
  });

  it('rejects an altered cursor: payload changed, signature changed, extra part', async () => {
    // Prepare
    const cursor = await cursorOf(api);
    const [payload, signature] = cursor.split('.');
    const state = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const moved = Buffer.from(JSON.stringify({ ...state, b: '9999-12-31T00:00:00.000Z#zzz' })).toString('base64url');
    const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === 'A' ? 'B' : 'A') + s.slice(at + 1);
    const variants = [
      `${moved}.${signature}`,
      `${flip(payload!, 2)}.${signature}`,
      `${payload}.${flip(signature!, 5)}`,
      `${payload}.${signature}.x`,
      `${payload}.`,
      `.${signature}`,
      cursor.slice(0, -2),
    ];

    for (const variant of variants) {
      // Act
      const res = await api.get('/v1/events', { limit: 3, cursor: variant });

      // Assess
      expect(expectValidation(res, 'invalid_cursor'), variant).toEqual(['cursor']);
    }
  });

  it.each<[string, Query, Query]>([
    ['another filter added', {}, { severity: 'info' }],
    ['another actor', { actor: 'u_ada' }, { actor: 'u_bob' }],
    ['a filter removed', { project: 'p_1' }, {}],
    ['one action fewer', { action: ['project.*', 'form.deployed'] }, { action: ['project.*'] }],
    ['another range', { range: '30d' }, { range: '7d' }],
    ['another q', { q: 'ada' }, { q: 'bob' }],
  ])('rejects a cursor reused with different filters (%s)', async (_name, issuedFor, usedWith) => {
    const cursor = await cursorOf(api, issuedFor);
    const res = await api.get('/v1/events', { ...usedWith, limit: 3, cursor });
    expectError(res, 400, 'invalid_cursor');
  });

  it("rejects another tenant's cursor, both ways", async () => {
    // Prepare
    const theirs = await (async () => {
      const res = await other.get('/v1/events', { limit: 1 });
      return res.body.nextCursor as string;
    })();
    const ours = await cursorOf(api);

    // Act
    const a = await api.get('/v1/events', { limit: 1, cursor: theirs });
    const b = await other.get('/v1/events', { limit: 3, cursor: ours });

    // Assess
    expect(theirs).toEqual(expect.any(String));
    expectError(a, 400, 'invalid_cursor');
    expectError(b, 400, 'invalid_cursor');
  });

  it('rejects an access-log cursor on events', async () => {
    // Access logs of this tenant: auth events of the data set, grouped; limit 1 yields a cursor.
    const logs = await api.get('/v1/access-logs', { limit: 1 });
    expect(logs.status, logs.text).toBe(200);
    expect(logs.body.nextCursor, logs.text).toEqual(expect.any(String));
    const res = await api.get('/v1/events', { cursor: logs.body.nextCursor, limit: 1 });
    expectError(res, 400, 'invalid_cursor');
  });
});

describe('GET /v1/events/{id}', () => {
  it('returns the whole event, equal to its list entry', async () => {
    for (const e of stored.slice(0, 10)) {
      const res = await api.get(`/v1/events/${e.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(e);
    }
  });

  it.each([
    ['an unknown id', 'does-not-exist'],
    ['an id with a space', encodeURIComponent('a b')],
    ['an id of 200 characters', 'x'.repeat(200)],
  ])('answers 404 not_found for %s', async (_name, id) => {
    const res = await api.get(`/v1/events/${id}`);
    expectError(res, 404, 'not_found');
  });

  it('treats ids as case-sensitive', async () => {
    expectError(await api.get(`/v1/events/${stored[0].id.toUpperCase()}`), 404, 'not_found');
  });

  it('answers 404 for an event just stored by another tenant', async () => {
    const theirs = event();
    await other.post('/v1/events', theirs);
    expect((await other.get(`/v1/events/${theirs.id}`)).status).toBe(200);
    expectError(await api.get(`/v1/events/${theirs.id}`), 404, 'not_found');
  });
});

describe('minute-level time bounds', () => {
  it('includes an event exactly at from and at to', async () => {
    // Prepare
    const actor = { type: 'user', id: uid('edge') };
    const at = new Date(Date.now() - 30 * MINUTE).toISOString();
    const e = event({ actor, occurredAt: at });
    await api.post('/v1/events', e);

    // Act + Assess
    expect(await listIds(api, { actor: actor.id, from: at, to: at })).toEqual([e.id]);
    expect(await listIds(api, { actor: actor.id, from: new Date(Date.parse(at) + 1).toISOString() })).toEqual([]);
    expect(await listIds(api, { actor: actor.id, to: new Date(Date.parse(at) - 1).toISOString() })).toEqual([]);
  });
});
