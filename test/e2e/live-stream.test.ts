/**
 * The live stream over the local stack, as a browser uses it: POST /v1/stream-tickets, a
 * real WebSocket client connects with the ticket URL, subscribes with filters, and receives
 * the events services POST, once per matching subscription; other tenants' events never;
 * a revoked token's connection is closed by the sweep.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminOfNewTenant, ago, client, DAY, event, ingest, issueToken, local, paginate, poll, uid } from './helpers.js';

/** Opens a stream connection for `token`; every frame it receives is collected. */
async function connect(token: string) {
  const ticket = await client(token).post('/v1/stream-tickets', {});
  expect(ticket.status).toBe(201);
  const ws = new WebSocket(ticket.body.url);
  const frames: Record<string, any>[] = [];
  let closed: number | undefined;
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  ws.on('close', (code) => { closed = code; });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const send = async (message: object) => {
    const before = frames.length;
    ws.send(JSON.stringify(message));
    await poll(async () => frames.length, (n) => n > before, 5_000, 20);
    return frames[before]!;
  };
  return { ws, frames, send, ticket: ticket.body, closed: () => closed };
}

const received = (frames: Record<string, any>[]) => frames.filter((f) => f.type === 'event').map((f) => `${f.subscription}/${f.event.id}`).sort();

describe('live stream (WebSocket) over the local stack', () => {
  it('issues a single-use 60-second ticket URL on the stack\'s WebSocket endpoint', async () => {
    // Arrange
    const { admin } = await adminOfNewTenant();

    // Act
    const r = await admin.post('/v1/stream-tickets', {});

    // Assess
    expect(r.status).toBe(201);
    expect(r.body.url.startsWith(`${local.websocket}?ticket=`)).toBe(true);
    const ttl = Date.parse(r.body.expiresAt) - Date.now();
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });

  it('needs events:read', async () => {
    const { tenant } = await adminOfNewTenant();
    const writer = await issueToken(tenant, ['events:write']);
    expect((await client(writer.token).post('/v1/stream-tickets', {})).status).toBe(403);
  });

  it('delivers what services POST to the matching subscriptions of the tenant, and nothing of other tenants', async () => {
    // Arrange
    const a = await adminOfNewTenant();
    const b = await adminOfNewTenant();
    const watcher = await connect(a.admin.token);
    const stranger = await connect(b.admin.token);
    expect(await watcher.send({ action: 'subscribe', id: 'all', filters: {} })).toEqual({ type: 'subscribed', id: 'all' });
    expect(await watcher.send({ action: 'subscribe', id: 'p7', filters: { project: 'p_7', action: ['project.*'] } })).toEqual({ type: 'subscribed', id: 'p7' });
    await stranger.send({ action: 'subscribe', id: 'all', filters: {} });

    // Act
    const events = [
      event({ id: uid('live'), project: 'p_7', action: 'project.updated' }),
      event({ id: uid('live'), project: 'p_8', action: 'project.updated' }),
      event({ id: uid('live'), project: 'p_7', action: 'user.signed_in', category: 'auth' }),
    ];
    const posted = Date.now();
    await ingest(a.admin, events);
    await poll(async () => received(watcher.frames).length, (n) => n >= 4, 10_000, 20);
    const latency = Date.now() - posted;
    await new Promise((r) => setTimeout(r, 300)); // duplicates would arrive now

    // Assess
    const ids = events.map((e) => e.id as string);
    expect(received(watcher.frames)).toEqual([`all/${ids[0]}`, `all/${ids[1]}`, `all/${ids[2]}`, `p7/${ids[0]}`].sort());
    const first = watcher.frames.find((f) => f.type === 'event' && f.event.id === ids[0])!;
    expect((await a.admin.get(`/v1/events/${ids[0]}`)).body).toEqual(first.event); // the event as GET /v1/events/{id} returns it
    expect(received(stranger.frames)).toEqual([]);
    expect(latency).toBeLessThan(10_000);
    watcher.ws.close();
    stranger.ws.close();
  });

  it('refuses a used ticket before the upgrade (401)', async () => {
    const { admin } = await adminOfNewTenant();
    const c = await connect(admin.token);
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(c.ticket.url);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); resolve(101); });
    });
    expect(status).toBe(401);
    c.ws.close();
  });

  it("closes a revoked token's connections (the sweep runs every second here, every minute on AWS)", async () => {
    // Arrange
    const { tenant, admin } = await adminOfNewTenant();
    const reader = await issueToken(tenant, ['events:read']);
    const c = await connect(reader.token);

    // Act
    expect((await admin.del(`/v1/tokens/${reader.id}`)).status).toBe(200);
    await poll(async () => c.closed(), (code) => code !== undefined, 15_000, 50);

    // Assess
    expect(c.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'unauthorized' } });
  });

  it('loses nothing across a disconnect: receivedFrom the last event seen lists what was missed, late events included', async () => {
    // Arrange: a client sees one event, then drops
    const { admin } = await adminOfNewTenant();
    const c = await connect(admin.token);
    await c.send({ action: 'subscribe', id: 'all', filters: {} });
    const seen = event({ id: uid('seen') });
    await ingest(admin, [seen]);
    await poll(async () => c.frames.filter((f) => f.type === 'event').length, (n) => n >= 1, 10_000, 20);
    const last = c.frames.find((f) => f.type === 'event')!.event;
    c.ws.close();

    // Act: events arrive while it is away, one of them late (it occurred two days ago)
    const missed = [event({ id: uid('missed') }), event({ id: uid('missed-late'), occurredAt: ago(2 * DAY) })];
    for (const e of missed) await ingest(admin, [e]);
    const { items } = await paginate(admin, '/v1/events', { receivedFrom: last.receivedAt });

    // Assess: de-duplicating by id, the client has everything
    expect(items.map((e) => e.id)).toEqual([last.id, ...missed.map((e) => e.id)]);
  });
});
