/**
 * Token restrictions over the local stack (contract: "Token restrictions"): a token's fixed
 * filters are ANDed into every read server-side; a request cannot widen them; an event outside
 * them is a 404; a restricted token can only issue tokens restricted at least as much.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminOfNewTenant, client, type Client, event, expectValidation, ingest, listIds, paginate, poll, uid } from './helpers.js';

let admin: Client;
let p7: Client;
let inP7: string[];
let inP8: string[];

beforeAll(async () => {
  ({ admin } = await adminOfNewTenant());
  const created = await admin.post('/v1/tokens', { name: 'project p_7 viewer', scopes: ['events:read', 'exports:write'], restrict: { project: 'p_7' } });
  expect(created.status, created.text).toBe(201);
  expect(created.body.restrict).toEqual({ project: 'p_7' });
  p7 = client(created.body.token);
  const events = [
    event({ id: uid('r'), project: 'p_7' }),
    event({ id: uid('r'), project: 'p_7', action: 'user.signed_in', category: 'auth' }),
    event({ id: uid('r'), project: 'p_8' }),
    event({ id: uid('r'), project: 'p_8', action: 'user.signed_in', category: 'auth' }),
    event({ id: uid('r') }), // no project: outside any project restriction
  ];
  await ingest(admin, events);
  inP7 = events.slice(0, 2).map((e) => e.id as string);
  inP8 = events.slice(2).map((e) => e.id as string);
});

describe('token restrictions', () => {
  it('ANDs the restriction into GET /v1/events; a filter cannot widen it', async () => {
    expect((await listIds(p7, { range: '24h' })).sort()).toEqual([...inP7].sort());
    expect((await listIds(p7, { range: '24h', project: 'p_8' }))).toEqual([]); // contradicting: nothing
    expect((await listIds(p7, { range: '24h', category: 'auth' }))).toEqual([inP7[1]]);
    expect(await listIds(admin, { range: '24h' })).toEqual(expect.arrayContaining([...inP7, ...inP8])); // the unrestricted admin sees all
  });

  it('answers 404 for an event outside the restriction, 200 inside', async () => {
    expect((await p7.get(`/v1/events/${inP7[0]}`)).status).toBe(200);
    for (const id of inP8) expect((await p7.get(`/v1/events/${id}`)).status).toBe(404);
  });

  it('restricts access logs too', async () => {
    const { items } = await paginate(p7, '/v1/access-logs', { range: '24h' }, 'groups');
    expect(items.flatMap((g) => g.eventIds ?? [])).not.toContain(inP8[1]);
    expect(items.length).toBe(1);
  });

  it('lets a restricted token issue only tokens restricted at least as much', async () => {
    // Arrange: a restricted admin
    const made = await admin.post('/v1/tokens', { name: 'p_7 admin', scopes: ['admin'], restrict: { project: 'p_7' } });
    const p7Admin = client(made.body.token);

    // Act
    const widened = await p7Admin.post('/v1/tokens', { name: 'try p_8', scopes: ['events:read'], restrict: { project: 'p_8' } });
    const inherited = await p7Admin.post('/v1/tokens', { name: 'plain', scopes: ['events:read'] });
    const narrowed = await p7Admin.post('/v1/tokens', { name: 'p_7 auth', scopes: ['events:read'], restrict: { category: 'auth' } });

    // Assess
    expect(expectValidation(widened)).toEqual(['restrict.project']);
    expect(inherited.status).toBe(201);
    expect(inherited.body.restrict).toEqual({ project: 'p_7' });
    expect(narrowed.body.restrict).toEqual({ project: 'p_7', category: 'auth' });
    expect(await listIds(client(inherited.body.token), { range: '24h' })).toHaveLength(2);
  });

  it('refuses a malformed restriction, naming the field', async () => {
    expect(expectValidation(await admin.post('/v1/tokens', { name: 'x', scopes: ['events:read'], restrict: {} }))).toEqual(['restrict']);
    expect(expectValidation(await admin.post('/v1/tokens', { name: 'x', scopes: ['events:read'], restrict: { tenant: 'other' } }))).toEqual(['restrict.tenant']);
  });

  it("hides exports made without the restriction, and shows the restricted token's own", async () => {
    // Act
    const unrestricted = await admin.post('/v1/exports', { email: 'a@example.com', filters: { range: '24h' } });
    const own = await p7.post('/v1/exports', { email: 'p7@example.com', filters: { range: '24h' } });

    // Assess
    expect(unrestricted.status).toBe(202);
    expect(own.status).toBe(202);
    expect((await p7.get(`/v1/exports/${unrestricted.body.id}`)).status).toBe(404);
    expect((await p7.get(`/v1/exports/${own.body.id}`)).status).toBe(200);
    const listed = (await paginate(p7, '/v1/exports', {}, 'exports')).items.map((x) => x.id);
    expect(listed).toContain(own.body.id);
    expect(listed).not.toContain(unrestricted.body.id);
    const done = await poll(async () => (await p7.get(`/v1/exports/${own.body.id}`)).body, (v) => v.status === 'succeeded' || v.status === 'failed', 60_000, 250);
    expect(done.status).toBe('succeeded');
    expect(done.rowCount).toBe(2); // only p_7's events
  });

  it('restricts the live stream: a restricted connection receives only events within it', async () => {
    // Arrange
    const ticket = await p7.post('/v1/stream-tickets', {});
    const ws = new WebSocket(ticket.body.url);
    const frames: Record<string, any>[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(JSON.stringify({ action: 'subscribe', id: 'all', filters: {} }));
    await poll(async () => frames.length, (n) => n > 0, 5_000, 20);

    // Act
    const live = [event({ id: uid('live'), project: 'p_8' }), event({ id: uid('live'), project: 'p_7' })];
    await ingest(admin, live);
    await poll(async () => frames.filter((f) => f.type === 'event').length, (n) => n >= 1, 10_000, 20);
    await new Promise((r) => setTimeout(r, 300));

    // Assess
    expect(frames.filter((f) => f.type === 'event').map((f) => f.event.id)).toEqual([live[1]!.id]);
    ws.close();
  });
});
