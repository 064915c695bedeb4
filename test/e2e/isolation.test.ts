/**
 * Cross-tenant isolation on every endpoint: tenant B's tokens never see or touch
 * tenant A's events, access logs, tokens or settings, even when both tenants use
 * the same event, actor, resource and project ids. The tenant always comes from
 * the token, never from the request.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, ago, call, client, type Client, expectError, expectValidation, HOUR, issueToken, type Json, listIds, MINUTE,
  paginate, type Query, UA, uid,
} from './helpers.js';

let a: Client;
let b: Client;
let bReader: Client;
let tenantA: string;

/** A's events; `shared` has an id B uses too. */
const sharedId = uid('shared');
const onlyA = uid('only-a');
const signInA = uid('signin-a');
const actor = { type: 'user', id: 'u_shared', name: 'Alice Secretive', email: 'alice@a-corp.test' };
const aEvents = [
  {
    id: onlyA, occurredAt: ago(30 * MINUTE), action: 'secret.viewed', actor,
    resource: { type: 'doc', id: 'd_shared', name: 'Merger Plan' }, project: 'p_shared',
    result: 'failure', severity: 'critical', message: 'Alice viewed the merger plan',
  },
  { id: sharedId, occurredAt: ago(20 * MINUTE), action: 'secret.copied', actor, resource: { type: 'doc', id: 'd_shared', name: 'Merger Plan' }, project: 'p_shared' },
  { id: signInA, occurredAt: ago(10 * MINUTE), action: 'auth.signed_in', actor, ip: '203.0.113.77', userAgent: UA.firefoxUbuntu },
];
const aIds = aEvents.map((e) => e.id);
/** B's own event under the same id as one of A's, with the same actor, resource and project ids. */
const bShared = {
  id: sharedId, occurredAt: ago(5 * MINUTE), action: 'note.added', actor: { type: 'user', id: 'u_shared', name: 'Bea' },
  resource: { type: 'doc', id: 'd_shared', name: 'Shopping list' }, project: 'p_shared',
};

beforeAll(async () => {
  ({ admin: a, tenant: tenantA } = await adminOfNewTenant());
  const { admin, tenant: tenantB } = await adminOfNewTenant();
  b = admin;
  bReader = client((await issueToken(tenantB, ['events:read'])).token);
  const ra = await a.post('/v1/events', { events: aEvents });
  expect(ra.status, ra.text).toBe(201);
  const rb = await b.post('/v1/events', bShared);
  expect(rb.status, rb.text).toBe(201);
  expect(rb.body, 'the same id in another tenant is not a duplicate').toMatchObject({ accepted: 1, duplicates: 0 });
});

describe('events', () => {
  it("B's full log holds only B's event, and A's only A's", async () => {
    const bIds = await listIds(b, { limit: 200 });
    expect(bIds.filter((id) => id === sharedId)).toHaveLength(1);
    expect(bIds).not.toContain(onlyA);
    expect(bIds).not.toContain(signInA);
    const aAll = (await paginate(a, '/v1/events', { limit: 200 })).items;
    expect(aAll.find((e) => e.id === sharedId)).toMatchObject({ action: 'secret.copied' });
  });

  it.each<[string, Query]>([
    ['actor', { actor: 'u_shared' }],
    ['actorEmail', { actorEmail: 'alice@a-corp.test' }],
    ['resourceType', { resourceType: 'doc' }],
    ['resourceId', { resourceId: 'd_shared' }],
    ['project', { project: 'p_shared' }],
    ['action', { action: 'secret.viewed' }],
    ['action repeated', { action: ['secret.viewed', 'auth.signed_in'] }],
    ['action prefix', { action: 'secret.*' }],
    ['category', { category: 'secret' }],
    ['result', { result: 'failure' }],
    ['severity', { severity: 'critical' }],
    ['q on the message', { q: 'merger' }],
    ['q on the actor', { q: 'alice' }],
    ['range', { range: '24h' }],
    ['from and to', { from: ago(2 * HOUR), to: ago(-MINUTE) }],
    ['actor + project + resourceId', { actor: 'u_shared', project: 'p_shared', resourceId: 'd_shared' }],
  ])("B never sees A's events filtering by %s", async (_name, query) => {
    // Act
    const seen = (await paginate(b, '/v1/events', query)).items;
    const seenByReader = (await paginate(bReader, '/v1/events', { ...query, limit: 1 })).items;

    // Assess
    for (const e of [...seen, ...seenByReader]) {
      expect(aIds.includes(e.id) && e.action !== 'note.added', JSON.stringify(e)).toBe(false);
      expect(e.actor.name).not.toBe('Alice Secretive');
    }
  });

  it("B finds its own event under the shared ids, never A's", async () => {
    const seen = (await paginate(b, '/v1/events', { actor: 'u_shared', resourceId: 'd_shared', project: 'p_shared' })).items;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: sharedId, action: 'note.added', resource: { name: 'Shopping list' } });
  });

  it("answers 404 to B for A's event ids, and each tenant its own version of a shared id", async () => {
    expectError(await b.get(`/v1/events/${onlyA}`), 404, 'not_found');
    expectError(await bReader.get(`/v1/events/${signInA}`), 404, 'not_found');
    expect((await b.get(`/v1/events/${sharedId}`)).body).toMatchObject({ action: 'note.added' });
    expect((await a.get(`/v1/events/${sharedId}`)).body).toMatchObject({ action: 'secret.copied' });
  });

  it('takes the tenant from the token only: a tenant in the query or body is rejected, a header ignored', async () => {
    // Act
    const query = await b.get('/v1/events', { tenant: tenantA });
    const body = await b.post('/v1/events', { ...aEvents[0], id: uid('x'), tenant: tenantA });
    const header = await call('GET', `/v1/events/${onlyA}`, { token: b.token, headers: { 'x-tenant': tenantA, 'x-tenant-id': tenantA } });

    // Assess
    expect(expectValidation(query)).toEqual(['tenant']);
    expect(expectValidation(body)).toEqual(['tenant']);
    expectError(header, 404, 'not_found');
  });
});

describe('access logs', () => {
  it("B's access logs never show A's sign-ins, with or without filters", async () => {
    for (const query of [{}, { actor: 'u_shared' }, { range: '24h' }, { result: 'success' }] as Query[]) {
      const { items } = await paginate(b, '/v1/access-logs', query, 'groups');
      for (const g of items) expect(g.ip).not.toBe('203.0.113.77');
      expect(items).toEqual([]);
    }
    const own = (await paginate(a, '/v1/access-logs', {}, 'groups')).items;
    expect(own).toEqual([expect.objectContaining({ ip: '203.0.113.77', count: 1 })]);
  });

  it("rejects A's access-log cursor for B", async () => {
    // Prepare: two groups in A, so limit=1 yields a cursor
    await a.post('/v1/events', { action: 'auth.signed_in', actor: { type: 'user', id: 'u_other' }, ip: '198.51.100.1', occurredAt: ago(40 * MINUTE) });
    const page = await a.get('/v1/access-logs', { limit: 1 });
    expect(page.body.nextCursor, page.text).toEqual(expect.any(String));

    // Act
    const res = await b.get('/v1/access-logs', { limit: 1, cursor: page.body.nextCursor });

    // Assess
    expectError(res, 400, 'invalid_cursor');
  });
});

describe('tokens', () => {
  let aToken: Json;
  beforeAll(async () => {
    const res = await a.post('/v1/tokens', { name: 'A ci', scopes: ['events:read'] });
    expect(res.status, res.text).toBe(201);
    aToken = res.body;
  });

  it("B's token list never shows A's tokens", async () => {
    const res = await b.get('/v1/tokens');
    expect(res.status).toBe(200);
    const ids = res.body.tokens.map((t: Json) => t.id);
    expect(ids).not.toContain(aToken.id);
    expect(res.text).not.toContain('A ci');
    expect(res.text).not.toContain(tenantA);
  });

  it("answers 404 when B revokes A's token, which keeps working", async () => {
    // Act
    const res = await b.del(`/v1/tokens/${aToken.id}`);

    // Assess
    expectError(res, 404, 'not_found');
    await new Promise((r) => setTimeout(r, 1_200)); // past the 1 s authorizer caches
    expect((await client(aToken.token).get('/v1/events', { limit: 1 })).status).toBe(200);
    const listed = (await a.get('/v1/tokens')).body.tokens.find((t: Json) => t.id === aToken.id);
    expect(listed).toBeDefined();
    expect(listed.revokedAt).toBeUndefined();
    expect(await listIds(a, { action: 'audit_token.revoked' })).toEqual([]);
  });

  it("keeps token audit events in the issuing tenant's log only", async () => {
    expect((await paginate(a, '/v1/events', { action: 'audit_token.created', resourceId: aToken.id })).items).toHaveLength(1);
    expect((await paginate(b, '/v1/events', { action: 'audit_token.*' })).items).toEqual([]);
    expect((await paginate(b, '/v1/events', { resourceId: aToken.id })).items).toEqual([]);
  });

  it("A's scoped token reads A's log only", async () => {
    const ids = await listIds(client(aToken.token), { limit: 200 });
    expect(ids).toEqual(expect.arrayContaining(aIds));
    expect((await client(aToken.token).get(`/v1/events/${sharedId}`)).body.action).toBe('secret.copied');
  });
});

describe('settings', () => {
  it("are independent: A's retention and recording switches do not touch B", async () => {
    // Act
    const put = await a.put('/v1/settings', { retentionDays: 30, recording: { secret: false } });
    const bSettings = await b.get('/v1/settings');
    const bEvent = { id: uid('b-secret'), action: 'secret.viewed', actor: { type: 'user', id: 'u_b' } };
    const bIngest = await b.post('/v1/events', bEvent);
    const aIngest = await a.post('/v1/events', { ...bEvent, id: uid('a-secret') });

    // Assess
    expect(put.status, put.text).toBe(200);
    expect(bSettings.body).toMatchObject({ retentionDays: 90, recording: {} });
    expect(bIngest.body).toMatchObject({ accepted: 1, skipped: 0 });
    expect(aIngest.body).toMatchObject({ accepted: 0, skipped: 1 });
    expect((await b.get(`/v1/events/${bEvent.id}`)).status).toBe(200);
  });

  it("B's change leaves A's settings as they were", async () => {
    await b.put('/v1/settings', { retentionDays: 60, recording: { note: false } });
    expect((await a.get('/v1/settings')).body).toMatchObject({ retentionDays: 30, recording: { secret: false } });
    expect((await b.get('/v1/settings')).body).toMatchObject({ retentionDays: 60, recording: { note: false } });
  });

  it("keeps A's settings audit events out of B's log", async () => {
    const inA = (await paginate(a, '/v1/events', { action: 'audit_settings.updated' })).items;
    const inB = (await paginate(b, '/v1/events', { action: 'audit_settings.updated' })).items;
    expect(inA).toHaveLength(1);
    expect(inB).toHaveLength(1);
    expect(inB[0].id).not.toBe(inA[0].id);
    expect(inB[0].changes.after.retentionDays).toBe(60);
  });
});
