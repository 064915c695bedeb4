/**
 * LiveFeed (viewer/src/live.ts) against a fake WebSocket and a fake API: subscribe with the
 * stream's filters, batches, de-duplication, reconnect with a new ticket and catch-up by
 * receivedAt, 4401 and 401 end it, stop() stops everything.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiClient, type Query } from '../../../viewer/src/api.js';
import { backoffDelay, BACKOFF_MAX_MS, LiveFeed, type LiveState, PING_MS, streamFilters } from '../../../viewer/src/live.js';
import type { AuditEvent } from '../../../viewer/src/types.js';

/** A WebSocket the test drives: `open()`, `frame()`, `drop()`; what the feed sends is in `sent`. */
class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000, reason = '') {
    if (this.readyState >= 2) return;
    this.closedWith = code;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(f: object) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  /** Opens and answers the subscription. */
  subscribe() {
    this.open();
    this.frame({ type: 'subscribed', id: 's1' });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onerror?.();
    this.onclose?.({ code, reason: '' });
  }
}

const ev = (id: string, receivedAt = '2026-01-01T00:00:00.000Z'): AuditEvent => ({
  id, receivedAt, occurredAt: receivedAt, action: 'project.updated', category: 'project',
  actor: { type: 'user', id: 'u1' }, result: 'success', severity: 'info',
});

/** An API whose stream tickets are numbered and whose event listing the test sets. */
function fakeApi() {
  let tickets = 0;
  const api = {
    base: 'http://api',
    ticketError: undefined as ApiError | undefined,
    pages: [] as { events: AuditEvent[]; nextCursor: string | null }[],
    byId: new Map<string, AuditEvent>(),
    gets: [] as { path: string; query?: Query }[],
    post: vi.fn(async (path: string) => {
      expect(path).toBe('/v1/stream-tickets');
      if (api.ticketError) throw api.ticketError;
      return { url: `ws://stream/live?ticket=t${++tickets}`, expiresAt: '' };
    }),
    get: vi.fn(async (path: string, query?: Query) => {
      api.gets.push({ path, query });
      if (path === '/v1/events') return api.pages.shift() ?? { events: [], nextCursor: null };
      const found = api.byId.get(decodeURIComponent(path.split('/').pop()!));
      if (!found) throw new ApiError(404, 'not_found', 'not found');
      return found;
    }),
    put: vi.fn(),
    del: vi.fn(),
  };
  return api;
}

function setup(filters = {}) {
  const api = fakeApi();
  const batches: string[][] = [];
  const states: [LiveState, string | undefined][] = [];
  const feed = new LiveFeed({
    api: api as unknown as ApiClient,
    filters,
    onEvents: (events) => batches.push(events.map((e) => e.id)),
    onState: (state, detail) => states.push([state, detail]),
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    now: () => Date.parse('2026-01-01T00:00:00.000Z'),
  });
  const socket = (i = -1) => FakeSocket.instances.at(i)!;
  return { api, batches, states, feed, socket, delivered: () => batches.flat() };
}

/** Lets promises (ticket, catch-up) settle and flush timers of at most `ms`. */
const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('streamFilters', () => {
  it('drops the time window, paging and empty values', () => {
    expect(streamFilters({ range: '7d', from: 'x', to: 'y', project: 'p_7', q: '', action: ['project.*', ''], category: undefined, ...{ cursor: 'c', limit: 5 } } as never))
      .toEqual({ project: 'p_7', action: ['project.*'] });
    expect(streamFilters({ action: [] })).toEqual({});
  });
});

describe('backoffDelay', () => {
  it('grows from 1 s to at most 30 s, with jitter', () => {
    expect(backoffDelay(0, () => 0)).toBe(1_000);
    expect(backoffDelay(0, () => 1)).toBe(1_000);
    expect(backoffDelay(3, () => 0)).toBe(4_000);
    expect(backoffDelay(3, () => 1)).toBe(8_000);
    expect(backoffDelay(20, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(20, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });
});

describe('LiveFeed', () => {
  it('takes a ticket, subscribes with the stream filters and goes live', async () => {
    const { feed, socket, states } = setup({ project: 'p_7', range: '24h', action: ['project.*'] });

    feed.start();
    await tick();
    socket().subscribe();

    expect(socket().url).toBe('ws://stream/live?ticket=t1');
    expect(socket().sent).toEqual([{ action: 'subscribe', id: 's1', filters: { project: 'p_7', action: ['project.*'] } }]);
    expect(states.map((s) => s[0])).toEqual(['connecting', 'live']);
    feed.stop();
  });

  it('delivers events in batches, each id once', async () => {
    const { feed, socket, batches } = setup();
    feed.start();
    await tick();
    socket().subscribe();

    for (const id of ['a', 'b', 'a', 'c']) socket().frame({ type: 'event', subscription: 's1', event: ev(id) });
    await tick();
    socket().frame({ type: 'event', subscription: 's1', event: ev('b') });
    socket().frame({ type: 'event', subscription: 's1', event: ev('d') });
    await tick();

    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
    feed.stop();
  });

  it('fetches an event sent by reference', async () => {
    const { feed, socket, api, delivered } = setup();
    api.byId.set('big', ev('big'));
    feed.start();
    await tick();
    socket().subscribe();

    socket().frame({ type: 'event_ref', subscription: 's1', id: 'big', occurredAt: '' });
    await tick();

    expect(api.gets.map((g) => g.path)).toContain('/v1/events/big');
    expect(delivered()).toEqual(['big']);
    feed.stop();
  });

  it('pings every 5 minutes', async () => {
    const { feed, socket } = setup();
    feed.start();
    await tick();
    socket().subscribe();

    await tick(PING_MS * 2);

    expect(socket().sent.slice(1)).toEqual([{ action: 'ping' }, { action: 'ping' }]);
    feed.stop();
  });

  it('after a drop reconnects with a new ticket and catches up once on what it missed', async () => {
    // Arrange: live, one event seen
    const { feed, socket, api, states, delivered } = setup({ project: 'p_7', range: '7d' });
    feed.start();
    await tick();
    socket().subscribe();
    socket().frame({ type: 'event', subscription: 's1', event: ev('seen', '2026-01-01T00:01:00.000Z') });
    await tick();

    // Act: the connection drops; events were stored meanwhile (two pages, with the last one seen repeated)
    socket().drop();
    expect(states.at(-1)![0]).toBe('reconnecting');
    api.pages.push(
      { events: [ev('seen', '2026-01-01T00:01:00.000Z'), ev('m1', '2026-01-01T00:01:01.000Z')], nextCursor: 'c2' },
      { events: [ev('m2', '2026-01-01T00:01:02.000Z')], nextCursor: null },
    );
    await tick(BACKOFF_MAX_MS);
    expect(FakeSocket.instances).toHaveLength(2);
    socket().subscribe();
    socket().frame({ type: 'event', subscription: 's1', event: ev('m2', '2026-01-01T00:01:02.000Z') }); // also arrives live
    socket().frame({ type: 'event', subscription: 's1', event: ev('new', '2026-01-01T00:01:03.000Z') });
    await tick();

    // Assess
    expect(socket().url).toBe('ws://stream/live?ticket=t2');
    expect(states.map((s) => s[0])).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    const listed = api.gets.filter((g) => g.path === '/v1/events');
    expect(listed).toHaveLength(2);
    expect(listed[0]!.query).toEqual({ project: 'p_7', receivedFrom: '2026-01-01T00:00:58.000Z', limit: 200 });
    expect(listed[1]!.query).toMatchObject({ cursor: 'c2' });
    expect(delivered().sort()).toEqual(['m1', 'm2', 'new', 'seen']);
    feed.stop();
  });

  it('catches up from the moment it started when it had seen nothing', async () => {
    const { feed, socket, api } = setup();
    feed.start();
    await tick();
    socket().subscribe();
    socket().drop();
    await tick(BACKOFF_MAX_MS);
    socket().subscribe();
    await tick();

    expect(api.gets[0]!.query!.receivedFrom).toBe('2025-12-31T23:59:53.000Z'); // start - 5 s clock margin - 2 s overlap
    feed.stop();
  });

  it('backs off exponentially while the ticket cannot be had', async () => {
    const { feed, api, states } = setup();
    api.ticketError = new ApiError(503, 'service_unavailable', 'try later');
    vi.spyOn(Math, 'random').mockReturnValue(1);

    feed.start();
    await tick();
    expect(api.post).toHaveBeenCalledTimes(1);
    await tick(999);
    expect(api.post).toHaveBeenCalledTimes(1);
    await tick(1);
    expect(api.post).toHaveBeenCalledTimes(2);
    await tick(2_000);
    expect(api.post).toHaveBeenCalledTimes(3);
    await tick(4_000);
    expect(api.post).toHaveBeenCalledTimes(4);
    expect(states.at(-1)).toEqual(['reconnecting', 'try later']);
    feed.stop();
    vi.mocked(Math.random).mockRestore();
  });

  it('ends without reconnecting on close code 4401', async () => {
    const { feed, socket, states } = setup();
    feed.start();
    await tick();
    socket().subscribe();

    socket().drop(4401);
    await tick(BACKOFF_MAX_MS * 2);

    expect(states.at(-1)).toEqual(['off', 'unauthorized']);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it("ends without reconnecting when the server says the token is no longer valid (AWS closes with 1000 after this frame)", async () => {
    const { feed, socket, states } = setup();
    feed.start();
    await tick();
    socket().subscribe();

    socket().frame({ type: 'error', error: { code: 'unauthorized', message: 'revoked' } });
    socket().drop(1000);
    await tick(BACKOFF_MAX_MS * 2);

    expect(states.at(-1)).toEqual(['off', 'unauthorized']);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('ends on a 401 for the ticket', async () => {
    const { feed, api, states } = setup();
    api.ticketError = new ApiError(401, 'unauthorized', 'no');
    feed.start();
    await tick(BACKOFF_MAX_MS * 2);
    expect(states).toEqual([['connecting', undefined], ['off', 'unauthorized']]);
    expect(api.post).toHaveBeenCalledTimes(1);
  });

  it('says why and stops when the server refuses the filters', async () => {
    const { feed, socket, states } = setup({ severity: 'bogus' });
    feed.start();
    await tick();
    socket().open();
    socket().frame({ type: 'error', error: { code: 'validation_error', message: 'The message is invalid.', details: [{ path: 'filters.severity', message: 'must be one of' }] } });
    await tick(BACKOFF_MAX_MS);
    expect(states.at(-1)).toEqual(['off', 'The message is invalid.']);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('reconnects when the subscription is not answered', async () => {
    const { feed, socket } = setup();
    feed.start();
    await tick();
    socket().open();
    await tick(15_000);
    expect(socket(0).closedWith).toBe(4000);
    await tick(BACKOFF_MAX_MS);
    expect(FakeSocket.instances).toHaveLength(2);
    feed.stop();
  });

  it('stop() closes the socket, cancels the reconnect and delivers nothing more', async () => {
    const { feed, socket, states, batches, api } = setup();
    feed.start();
    await tick();
    socket().subscribe();
    socket().frame({ type: 'event', subscription: 's1', event: ev('pending') });

    feed.stop();
    await tick(BACKOFF_MAX_MS * 2);

    expect(socket().closedWith).toBe(1000);
    expect(states.at(-1)).toEqual(['off', undefined]);
    expect(batches).toEqual([]);
    expect(api.post).toHaveBeenCalledTimes(1);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('stop() during a pending reconnect leaves it off', async () => {
    const { feed, socket, api } = setup();
    feed.start();
    await tick();
    socket().subscribe();
    socket().drop();
    feed.stop();
    await tick(BACKOFF_MAX_MS * 2);
    expect(api.post).toHaveBeenCalledTimes(1);
  });

  it('remembers a bounded number of ids', async () => {
    const { feed, socket, delivered } = setup();
    feed.start();
    await tick();
    socket().subscribe();
    for (let i = 0; i < 6_000; i++) socket().frame({ type: 'event', subscription: 's1', event: ev(`e${i}`) });
    socket().frame({ type: 'event', subscription: 's1', event: ev('e0') }); // forgotten: delivered again
    socket().frame({ type: 'event', subscription: 's1', event: ev('e5999') }); // remembered
    await tick();
    expect(delivered()).toHaveLength(6_001);
    feed.stop();
  });
});
