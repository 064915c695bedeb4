/**
 * The viewer's LiveFeed (viewer/src/live.ts) against the local stack, with the `ws` package
 * as its WebSocket: it receives what services POST, loses nothing across a dropped
 * connection (reconnect with a new ticket, catch-up by receivedFrom), delivers each event
 * once, and ends with `unauthorized` when its token is revoked.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createApiClient } from '../../viewer/src/api.js';
import { LiveFeed, type LiveState } from '../../viewer/src/live.js';
import type { AuditEvent, EventFilters } from '../../viewer/src/types.js';
import { adminOfNewTenant, event, ingest, issueToken, local, poll, uid } from '../e2e/helpers.js';

/** `ws` with every instance kept, so a test can cut a connection from underneath the feed. */
class TrackedSocket extends WebSocket {
  static instances: TrackedSocket[] = [];
  constructor(url: string) {
    super(url);
    TrackedSocket.instances.push(this);
  }
}

const feeds: LiveFeed[] = [];
afterEach(() => {
  feeds.splice(0).forEach((f) => f.stop());
  TrackedSocket.instances.splice(0).forEach((s) => s.terminate());
});

/** A started feed for `token` and `filters`, with everything it reported. */
function watch(token: string, filters: EventFilters = {}) {
  const events: AuditEvent[] = [];
  const states: [LiveState, string | undefined][] = [];
  const feed = new LiveFeed({
    api: createApiClient({ base: local.api, token }),
    filters,
    onEvents: (batch) => events.push(...batch),
    onState: (state, detail) => states.push([state, detail]),
    WebSocketImpl: TrackedSocket as unknown as typeof globalThis.WebSocket,
  });
  feeds.push(feed);
  feed.start();
  const state = () => states.at(-1)?.[0];
  return { feed, events, states, state, ids: () => events.map((e) => e.id) };
}

describe('viewer LiveFeed over the local stack', () => {
  it('receives the matching events services POST, and only those', async () => {
    // Arrange
    const { admin } = await adminOfNewTenant();
    const w = watch(admin.token, { project: 'p_live', range: '24h' });
    await poll(async () => w.state(), (s) => s === 'live', 10_000, 20);

    // Act
    const match = event({ id: uid('match'), project: 'p_live' });
    const other = event({ id: uid('other'), project: 'p_other' });
    await ingest(admin, [match, other]);
    await poll(async () => w.events.length, (n) => n >= 1, 10_000, 20);
    await new Promise((r) => setTimeout(r, 300));

    // Assess
    expect(w.ids()).toEqual([match.id]);
    expect(w.states[0]).toEqual(['connecting', undefined]);
  });

  it('after a dropped connection reconnects and catches up: every event once, those posted while away included', async () => {
    // Arrange: live, one event seen
    const { admin } = await adminOfNewTenant();
    const w = watch(admin.token);
    await poll(async () => w.state(), (s) => s === 'live', 10_000, 20);
    const before = event({ id: uid('before') });
    await ingest(admin, [before]);
    await poll(async () => w.events.length, (n) => n >= 1, 10_000, 20);

    // Act: the connection dies; events are stored while the feed is away
    TrackedSocket.instances[0]!.terminate();
    await poll(async () => w.state(), (s) => s === 'reconnecting', 5_000, 5);
    const missed = [event({ id: uid('missed') }), event({ id: uid('missed') })];
    await ingest(admin, missed);
    await poll(async () => w.state(), (s) => s === 'live', 40_000, 20);
    const after = event({ id: uid('after') });
    await ingest(admin, [after]);
    await poll(async () => w.events.length, (n) => n >= 4, 10_000, 20);
    await new Promise((r) => setTimeout(r, 500)); // repeats would arrive now

    // Assess
    expect(TrackedSocket.instances.length).toBe(2);
    expect(w.ids().sort()).toEqual([before.id, ...missed.map((e) => e.id), after.id].sort());
    expect(w.states.map((s) => s[0])).toEqual(['connecting', 'live', 'reconnecting', 'live']);
  });

  it('ends with "unauthorized" and does not reconnect when its token is revoked', async () => {
    // Arrange
    const { tenant, admin } = await adminOfNewTenant();
    const reader = await issueToken(tenant, ['events:read']);
    const w = watch(reader.token);
    await poll(async () => w.state(), (s) => s === 'live', 10_000, 20);

    // Act
    expect((await admin.del(`/v1/tokens/${reader.id}`)).status).toBe(200);
    await poll(async () => w.state(), (s) => s === 'off', 15_000, 50);
    await new Promise((r) => setTimeout(r, 1_500));

    // Assess
    expect(w.states.at(-1)).toEqual(['off', 'unauthorized']);
    expect(TrackedSocket.instances.length).toBe(1);
  });
});
