/**
 * The live stream end to end below the HTTP API, on real peers: events written to the
 * Events table of DynamoDB Local reach a real WebSocket client through the local stream
 * poller (Lambda's event source mapping), the stream-record decoding, fan-out, the
 * `@connections` API of the local WebSocket peer (the real SDK client) and the real
 * `$connect`/message use cases. A batch whose delivery fails half-way is retried without
 * losing or duplicating a delivery.
 */
import { randomBytes } from 'node:crypto';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createConnectionsApi, type ConnectionsApi } from '../../lambdas/adapters/connections-api.js';
import { insertedEvents } from '../../lambdas/adapters/stream-records.js';
import { createStreamStore } from '../../lambdas/adapters/stream-store.js';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { toItem } from '../../lambdas/core/keys.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { newTicket } from '../../lambdas/core/stream.js';
import { closeConnection, handleMessage, openConnection } from '../../lambdas/stream/connections.js';
import { deliverEvents } from '../../lambdas/stream/deliver.js';
import { sweepConnections } from '../../lambdas/stream/sweep.js';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { startStreamPoller, type LocalStreamPoller } from '../../local/stream-poller.js';
import { startWebSocketApi, type LocalWebSocketApi } from '../../local/websocket-api.js';
import { createControlTable } from './scratch-tables.js';

const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
const eventsTable = process.env.EVENTS_TABLE!;
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
/**
 * Connections live in a Control-shaped table of this file's own: the local stack of the global
 * setup runs the real fan-out on the same Events stream, and it would find these connections in
 * the stack's Control table, fail to post to them through its own WebSocket peer (410) and forget them.
 */
const store = createStreamStore({ ddb, tableName: await createControlTable(ddb, 'stream-delivery') });
const tenant = `live-${randomBytes(4).toString('hex')}`;
const otherTenant = `live-other-${randomBytes(4).toString('hex')}`;

let wsApi: LocalWebSocketApi;
let poller: LocalStreamPoller;
let api: ConnectionsApi;
/** Set by a test: let this many more messages out, then fail one post (once). */
let failAfter: number | undefined;
/** Set by a test: the failing attempt dies before it can record what it sent (a crash: timeout, out of memory). */
let crash = false;
let failures = 0;

beforeAll(async () => {
  wsApi = await startWebSocketApi({
    handlers: {
      connect: async (event) => ({ statusCode: (await openConnection(store, event.requestContext.connectionId, event.queryStringParameters?.ticket)).status }),
      disconnect: async (event) => { await closeConnection(store, event.requestContext.connectionId); return { statusCode: 200 }; },
      default: async (event) => ({ statusCode: 200, body: await handleMessage(store, event.requestContext.connectionId, event.body) }),
    },
  });
  const real = createConnectionsApi({ endpoint: wsApi.managementEndpoint, client: new ApiGatewayManagementApiClient({ ...LOCAL_AWS, endpoint: wsApi.managementEndpoint }) });
  api = {
    close: (id) => real.close(id),
    async post(id, data) {
      if (failAfter !== undefined && failAfter-- <= 0) {
        failAfter = undefined;
        failures++;
        throw Object.assign(new Error('injected: @connections throttled'), { name: 'ThrottlingException' });
      }
      return real.post(id, data);
    },
  };
  poller = await startStreamPoller({
    endpoint, region: LOCAL_AWS.region, credentials: LOCAL_AWS.credentials, tableName: eventsTable, startingPosition: 'LATEST', pollIntervalMs: 50,
    // Other tests write to this table too: only this file's tenants are delivered (deliverEvents looks their connections up).
    handler: async (event) => {
      const crashing = crash ? { ...store, markSent: async () => { crash = false; throw new Error('injected: crashed before recording'); } } : store;
      await deliverEvents(crashing, api, insertedEvents(event.Records).filter((e) => e.tenant === tenant || e.tenant === otherTenant));
    },
  });
});

afterAll(async () => {
  await poller?.stop();
  await wsApi?.stop();
});

/** A client of `forTenant` connected with a fresh ticket, collecting every frame. */
async function client(forTenant: string, restrict?: { project: string }, tokenId = 'tok') {
  const { ticket, hash } = newTicket();
  await store.putTicket(hash, { tenant: forTenant, tokenId, scopes: ['events:read'], ...(restrict ? { restrict } : {}) });
  const ws = new WebSocket(`${wsApi.url}?ticket=${ticket}`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const send = async (message: object) => {
    const before = frames.length;
    ws.send(JSON.stringify(message));
    await until(() => frames.length > before);
    return frames[before]!;
  };
  return { ws, frames, send, ticket };
}

async function until(done: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function write(forTenant: string, inputs: Partial<EventInput>[]): Promise<string[]> {
  const items = inputs.map((input, i) => toItem(forTenant, toAuditEvent({ actor: { type: 'user', id: 'u_1' }, action: 'project.created', result: 'success', severity: 'info', id: `${forTenant}-${i}-${randomBytes(3).toString('hex')}`, ...input } as EventInput, new Date().toISOString()), 1, 30));
  for (let i = 0; i < items.length; i += 25) {
    await ddb.send(new BatchWriteCommand({ RequestItems: { [eventsTable]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  return items.map((item) => item.pk.slice(forTenant.length + 1));
}

const events = (frames: Record<string, unknown>[]) => frames.filter((f) => f.type === 'event') as { subscription: string; event: { id: string } }[];

describe('live stream delivery (poller → fan-out → @connections → WebSocket client)', () => {
  it('a ticket opens one connection only: a reused or forged ticket is refused before the upgrade (401)', async () => {
    // Arrange
    const first = await client(tenant);

    // Act
    const status = (url: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(url);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); resolve(101); });
    });

    // Assess
    expect(await status(`${wsApi.url}?ticket=${first.ticket}`)).toBe(401);
    expect(await status(`${wsApi.url}?ticket=${newTicket().ticket}`)).toBe(401);
    expect(await status(wsApi.url)).toBe(401);
    first.ws.close();
  });

  it('answers subscribe, unsubscribe and ping, and an error frame (connection open) for a bad message', async () => {
    const c = await client(tenant);
    expect(await c.send({ action: 'subscribe', id: 's1', filters: { project: 'p_7' } })).toEqual({ type: 'subscribed', id: 's1' });
    expect(await c.send({ action: 'ping' })).toEqual({ type: 'pong' });
    expect(await c.send({ action: 'unsubscribe', id: 's1' })).toEqual({ type: 'unsubscribed', id: 's1' });
    expect(await c.send({ action: 'subscribe', id: 's2', filters: { range: '24h' } })).toMatchObject({ type: 'error', error: { code: 'validation_error', details: [{ path: 'filters.range' }] } });
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.ws.close();
  });

  it('delivers every matching event once per matching subscription, only to its tenant, within the restriction; a batch failing half-way is retried without a loss or a duplicate', async () => {
    // Arrange
    const mine = await client(tenant);
    const restricted = await client(tenant, { project: 'p_7' });
    const other = await client(otherTenant);
    await mine.send({ action: 'subscribe', id: 'all', filters: {} });
    await mine.send({ action: 'subscribe', id: 'deletions', filters: { action: ['project.deleted'] } });
    await restricted.send({ action: 'subscribe', id: 'all', filters: {} });
    await other.send({ action: 'subscribe', id: 'all', filters: {} });
    failAfter = 7;

    // Act
    const ids = await write(tenant, Array.from({ length: 20 }, (_, i) => ({ action: i % 2 ? 'project.deleted' : 'project.created', project: i % 4 < 2 ? 'p_7' : 'p_8' })));
    const otherIds = await write(otherTenant, [{}, {}]);
    await until(() => events(mine.frames).length >= 30 && events(restricted.frames).length >= 10 && events(other.frames).length >= 2);
    await poller.idle();
    await new Promise((r) => setTimeout(r, 300)); // anything duplicated would arrive now

    // Assess
    expect(failures).toBe(1);
    const got = (frames: Record<string, unknown>[]) => events(frames).map((f) => `${f.subscription}/${f.event.id}`).sort();
    const deleted = ids.filter((_, i) => i % 2);
    expect(got(mine.frames)).toEqual([...ids.map((id) => `all/${id}`), ...deleted.map((id) => `deletions/${id}`)].sort());
    expect(got(restricted.frames)).toEqual(ids.filter((_, i) => i % 4 < 2).map((id) => `all/${id}`).sort());
    expect(got(other.frames)).toEqual(otherIds.map((id) => `all/${id}`).sort());
    for (const c of [mine, restricted, other]) c.ws.close();
  });

  it('forgets a connection that is gone (410) without failing the batch', async () => {
    // Arrange: a connection record whose socket no longer exists
    await store.putConnection('gone-connection', { tenant, tokenId: 'tok', scopes: ['events:read'] });
    await store.subscribe(tenant, 'gone-connection', 'all', {});
    const alive = await client(tenant);
    await alive.send({ action: 'subscribe', id: 'all', filters: {} });

    // Act
    const [id] = await write(tenant, [{}]);
    await until(() => events(alive.frames).length >= 1);
    await poller.idle();

    // Assess
    expect(events(alive.frames).map((f) => f.event.id)).toEqual([id]);
    expect(await store.connectionOwner('gone-connection')).toBeUndefined();
    alive.ws.close();
  });

  it('the sweep closes the connections of revoked, expired or unknown tokens, telling the client why, and keeps the others', async () => {
    // Arrange
    const valid = await client(tenant, undefined, 'valid-token');
    const revoked = await client(tenant, undefined, 'revoked-token');
    const expired = await client(tenant, undefined, 'expired-token');
    const closedCodes: number[] = [];
    for (const c of [revoked, expired]) c.ws.on('close', (code) => closedCodes.push(code));
    const tokens: Record<string, { revokedAt?: string; expiresAt?: string }> = {
      'valid-token': {}, 'revoked-token': { revokedAt: new Date().toISOString() }, 'expired-token': { expiresAt: new Date(Date.now() - 1000).toISOString() },
    };

    // Act
    const report = await sweepConnections(store, api, async (t, id) => (t === tenant || t === otherTenant ? tokens[id] ?? {} : {}));
    await until(() => closedCodes.length === 2);

    // Assess
    expect(report.closed).toBe(2);
    for (const c of [revoked, expired]) expect(c.frames.at(-1)).toMatchObject({ type: 'error', error: { code: 'unauthorized' } });
    expect(valid.ws.readyState).toBe(WebSocket.OPEN);
    expect(await valid.send({ action: 'ping' })).toEqual({ type: 'pong' });
    valid.ws.close();
  });

  it('after a crash that records nothing, the retry still delivers everything: at least once, the repeats only what went out before the crash', async () => {
    // Arrange
    const c = await client(tenant);
    await c.send({ action: 'subscribe', id: 'all', filters: {} });
    failAfter = 4;
    crash = true;

    // Act
    const ids = await write(tenant, Array.from({ length: 10 }, () => ({})));
    await until(() => new Set(events(c.frames).map((f) => f.event.id)).size >= 10);
    await poller.idle();
    await new Promise((r) => setTimeout(r, 300));

    // Assess
    const got = events(c.frames).map((f) => f.event.id);
    expect([...new Set(got)].sort()).toEqual([...ids].sort()); // nothing lost
    const repeats = got.length - new Set(got).size;
    expect(repeats).toBeGreaterThan(0); // the crash left no record: the retry sent some again...
    expect(repeats).toBeLessThanOrEqual(4); // ...only those that went out before it (clients de-duplicate by id)
    c.ws.close();
  });
});
