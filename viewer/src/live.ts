/**
 * Live updates: the events matching the current filters as they are stored, over the live
 * stream WebSocket (CONTRACT.md, "Live stream").
 *
 * - Each connection takes a new single-use ticket (`POST /v1/stream-tickets`); the bearer token
 *   never goes in a URL.
 * - After a drop it reconnects by itself with exponential backoff and jitter (1 s .. 30 s) and,
 *   once subscribed again, catches up with `GET /v1/events?receivedFrom=<last receivedAt seen>`
 *   (or the moment live updates started), so nothing received meanwhile is missed.
 * - Delivery is at least once on the wire: events are de-duplicated by id (the last
 *   {@link SEEN_IDS} ids) and handed over in batches, at most one per animation frame, so a
 *   burst of hundreds of events a second costs a few renders, not hundreds.
 * - A 401 on the ticket, close code 4401 or an `unauthorized` error frame (the token was
 *   revoked or expired) ends it: state `off` with detail `unauthorized`, no reconnect.
 * - A crash of the page (reload, closed tab) ends it with the socket; live updates are a view,
 *   not a durable subscription: a reloaded page lists from the API again and, when switched on,
 *   streams from then.
 */
import { ApiError, type ApiClient, type Query } from './api.js';
import type { AuditEvent, EventFilters, EventsPage, StreamTicket } from './types.js';

/** What the feed is doing. */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'off';

/** Options of {@link LiveFeed}. */
export interface LiveFeedOptions {
  readonly api: ApiClient;
  /** The events view's filters; the time window (`from`, `to`, `range`) is ignored: live is "from now on". */
  readonly filters: EventFilters;
  /** New events, each id at most once, in order of receipt (place them by `occurredAt`). */
  onEvents(events: AuditEvent[]): void;
  /**
   * State changes. Detail of `off`: `unauthorized` (token expired or revoked), `forbidden`
   * (no `events:read`), or the server's message when it refused the filters; none after `stop()`.
   * Detail of `reconnecting`: what went wrong, for a tooltip.
   */
  onState(state: LiveState, detail?: string): void;
  /** @default globalThis.WebSocket */
  readonly WebSocketImpl?: typeof WebSocket;
  /** @default Date.now */
  readonly now?: () => number;
}

/** How many recent event ids are remembered to drop repeats. */
export const SEEN_IDS = 5_000;
/** A ping this often keeps the connection under API Gateway's 10-minute idle timeout. */
export const PING_MS = 5 * 60_000;
/** Reconnect delays: from {@link BACKOFF_MIN_MS}, doubling, at most {@link BACKOFF_MAX_MS}. */
export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** A connection that is not subscribed this long after opening is dropped and made again. */
export const SUBSCRIBE_TIMEOUT_MS = 15_000;
/** Page size of the catch-up. */
export const CATCH_UP_LIMIT = 200;
/** The start time is taken this much earlier, for a browser clock ahead of the server's (repeats are dropped by id). */
const CLOCK_MARGIN_MS = 5_000;
/**
 * The catch-up starts this much before the newest receivedAt seen: live events arrive roughly,
 * not strictly, in order of receipt, so an earlier one may still have been on its way.
 */
const CATCH_UP_OVERLAP_MS = 2_000;
/** A connection live this long counts as healthy: the next drop starts the backoff from the minimum again. */
const HEALTHY_MS = 30_000;

const CLOSE_UNAUTHORIZED = 4401;
const SUBSCRIPTION = 's1';
const TIME_WINDOW = new Set(['from', 'to', 'range', 'cursor', 'limit']);

/** The filters the stream takes: no time window, no paging, no empty values. */
export function streamFilters(filters: EventFilters): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(filters) as [string, unknown][]) {
    if (TIME_WINDOW.has(key) || value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      const items = value.filter((v) => typeof v === 'string' && v !== '');
      if (items.length) out[key] = items;
    } else {
      out[key] = String(value);
    }
  }
  return out;
}

/** The delay before reconnect attempt `attempt` (0-based): exponential, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 16));
  return Math.max(BACKOFF_MIN_MS, Math.round(ceiling / 2 + (random() * ceiling) / 2));
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * The browser globals used beyond timers, looked up at run time: the feed also runs in Node
 * (tests, scripts) with the `ws` package, where there are no animation frames or `online` events.
 */
const host = globalThis as unknown as {
  requestAnimationFrame?: (fn: () => void) => number;
  cancelAnimationFrame?: (handle: number) => void;
  addEventListener?: (type: 'online', fn: () => void) => void;
  removeEventListener?: (type: 'online', fn: () => void) => void;
};

/** The live stream of one set of filters; `start()` once the reader turns live updates on, `stop()` when off or leaving. */
export class LiveFeed {
  private readonly opts: LiveFeedOptions;
  private readonly now: () => number;
  private readonly filters: Record<string, string | string[]>;
  private running = false;
  /** Bumped by every connection attempt and by stop(): callbacks of older ones are ignored. */
  private generation = 0;
  private socket: WebSocket | undefined;
  private attempt = 0;
  private liveSince: number | undefined;
  private retryTimer: Timer | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private subscribeTimer: Timer | undefined;
  private state: LiveState = 'off';
  /** Catch up from here on the next subscription: the newest receivedAt seen, or the start time. */
  private since = '';
  private reconnected = false;
  private readonly seen = new Set<string>();
  private pending: AuditEvent[] = [];
  private flushScheduled = false;
  private flushHandles: { frame?: number; timer?: Timer } = {};
  private readonly onOnline = () => {
    if (this.running && this.state === 'reconnecting' && this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      void this.connect();
    }
  };

  constructor(opts: LiveFeedOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.filters = streamFilters(opts.filters);
  }

  /** The state last reported. */
  get currentState(): LiveState {
    return this.state;
  }

  /** Connects (no-op while running). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.reconnected = false;
    this.since = new Date(this.now() - CLOCK_MARGIN_MS).toISOString();
    host.addEventListener?.('online', this.onOnline);
    this.setState('connecting');
    void this.connect();
  }

  /** Closes the connection, cancels every timer and pending delivery; state `off`. */
  stop(): void {
    this.shutdown();
    this.setState('off');
  }

  private shutdown(): void {
    this.running = false;
    this.generation++;
    host.removeEventListener?.('online', this.onOnline);
    this.clearConnectionTimers();
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.cancelFlush();
    this.pending = [];
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState <= 1) {
      try {
        socket.close(1000, 'live updates off');
      } catch {
        /* already closing */
      }
    }
  }

  private setState(state: LiveState, detail?: string): void {
    this.state = state;
    this.opts.onState(state, detail);
  }

  /** Ends for good (token expired or revoked, no scope, filters refused). */
  private fail(detail: string): void {
    this.shutdown();
    this.setState('off', detail);
  }

  private clearConnectionTimers(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    if (this.subscribeTimer !== undefined) clearTimeout(this.subscribeTimer);
    this.pingTimer = undefined;
    this.subscribeTimer = undefined;
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    let ticket: StreamTicket;
    try {
      ticket = await this.opts.api.post<StreamTicket>('/v1/stream-tickets', {});
    } catch (error) {
      if (gen !== this.generation) return;
      if (error instanceof ApiError && error.status === 401) return this.fail('unauthorized');
      if (error instanceof ApiError && error.status === 403) return this.fail('forbidden');
      return this.retry((error as Error).message);
    }
    if (gen !== this.generation) return;
    const Impl = this.opts.WebSocketImpl ?? globalThis.WebSocket;
    let socket: WebSocket;
    try {
      socket = new Impl(ticket.url);
    } catch (error) {
      return this.retry((error as Error).message);
    }
    this.socket = socket;
    let subscribed = false;
    let unauthorized = false;
    const current = () => gen === this.generation && this.socket === socket;

    socket.onopen = () => {
      if (!current()) return;
      socket.send(JSON.stringify({ action: 'subscribe', id: SUBSCRIPTION, filters: this.filters }));
      this.subscribeTimer = setTimeout(() => {
        if (current() && !subscribed) socket.close(4000, 'no answer to subscribe');
      }, SUBSCRIBE_TIMEOUT_MS);
    };
    socket.onmessage = (message: MessageEvent) => {
      if (!current()) return;
      let frame: Frame;
      try {
        frame = JSON.parse(String(message.data)) as Frame;
      } catch {
        return;
      }
      switch (frame.type) {
        case 'subscribed':
          if (frame.id !== SUBSCRIPTION || subscribed) return;
          subscribed = true;
          this.onSubscribed(gen, socket);
          return;
        case 'event':
          if (frame.subscription === SUBSCRIPTION && frame.event) this.receive([frame.event]);
          return;
        case 'event_ref':
          if (frame.subscription === SUBSCRIPTION && frame.id) void this.fetchRef(gen, frame.id);
          return;
        case 'error':
          if (frame.error?.code === 'unauthorized') {
            unauthorized = true;
          } else if (!subscribed) {
            // Refused filters would be refused again: say why and stop. Anything else (the
            // connection is closing): connect again.
            if (frame.error?.details?.length) return this.fail(frame.error.message ?? 'error');
            socket.close(4000, 'subscribe refused');
          }
          return;
        default:
          return; // pong, unsubscribed
      }
    };
    socket.onerror = () => {
      /* a close event follows */
    };
    socket.onclose = (event: { code: number; reason: string }) => {
      if (!current()) return;
      this.socket = undefined;
      this.clearConnectionTimers();
      if (event.code === CLOSE_UNAUTHORIZED || unauthorized) return this.fail('unauthorized');
      if (this.liveSince !== undefined && this.now() - this.liveSince >= HEALTHY_MS) this.attempt = 0;
      this.liveSince = undefined;
      this.retry(event.reason || `connection closed (${event.code})`);
    };
  }

  private onSubscribed(gen: number, socket: WebSocket): void {
    this.clearConnectionTimers();
    this.liveSince = this.now();
    this.pingTimer = setInterval(() => {
      if (gen === this.generation && socket.readyState === 1) socket.send('{"action":"ping"}');
    }, PING_MS);
    const catchUp = this.reconnected;
    this.reconnected = true;
    this.setState('live');
    if (catchUp) void this.catchUp(gen);
  }

  private retry(detail: string): void {
    if (!this.running) return;
    this.generation++;
    this.setState('reconnecting', detail);
    const delay = backoffDelay(this.attempt++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  /** Lists what was received while the connection was down, oldest first, page by page. */
  private async catchUp(gen: number): Promise<void> {
    let cursor: string | null = null;
    const receivedFrom = new Date(Date.parse(this.since) - CATCH_UP_OVERLAP_MS).toISOString();
    const base: Query = { ...this.filters, receivedFrom, limit: CATCH_UP_LIMIT };
    try {
      do {
        const page: EventsPage = await this.opts.api.get<EventsPage>('/v1/events', cursor ? { ...base, cursor } : base);
        if (gen !== this.generation) return;
        this.receive(page.events);
        cursor = page.nextCursor;
      } while (cursor);
    } catch (error) {
      if (gen !== this.generation) return;
      if (error instanceof ApiError && error.status === 401) return this.fail('unauthorized');
      // Anything else: drop the connection; the next subscription catches up from the same point.
      this.socket?.close(4000, 'catch-up failed');
    }
  }

  /** An event too large for one message: fetched by id (gone or out of reach: skipped). */
  private async fetchRef(gen: number, id: string): Promise<void> {
    if (this.seen.has(id)) return;
    try {
      const event = await this.opts.api.get<AuditEvent>(`/v1/events/${encodeURIComponent(id)}`);
      if (gen === this.generation) this.receive([event]);
    } catch (error) {
      if (gen === this.generation && error instanceof ApiError && error.status === 401) this.fail('unauthorized');
    }
  }

  private receive(events: readonly AuditEvent[]): void {
    for (const event of events) {
      if (!event?.id || this.seen.has(event.id)) continue;
      this.seen.add(event.id);
      if (this.seen.size > SEEN_IDS) this.seen.delete(this.seen.values().next().value as string);
      if (event.receivedAt && event.receivedAt > this.since) this.since = event.receivedAt;
      this.pending.push(event);
    }
    if (this.pending.length && !this.flushScheduled) this.scheduleFlush();
  }

  /** One delivery per animation frame; a timer too, as a hidden page gets no frames. */
  private scheduleFlush(): void {
    this.flushScheduled = true;
    const flush = () => this.flush();
    if (host.requestAnimationFrame) this.flushHandles.frame = host.requestAnimationFrame(flush);
    this.flushHandles.timer = setTimeout(flush, host.requestAnimationFrame ? 250 : 0);
  }

  private cancelFlush(): void {
    if (this.flushHandles.frame !== undefined) host.cancelAnimationFrame?.(this.flushHandles.frame);
    if (this.flushHandles.timer !== undefined) clearTimeout(this.flushHandles.timer);
    this.flushHandles = {};
    this.flushScheduled = false;
  }

  private flush(): void {
    this.cancelFlush();
    const batch = this.pending;
    this.pending = [];
    if (batch.length && this.running) this.opts.onEvents(batch);
  }
}

/** A frame from the server, as far as the feed reads it. */
interface Frame {
  readonly type?: string;
  readonly id?: string;
  readonly subscription?: string;
  readonly event?: AuditEvent;
  readonly error?: { readonly code?: string; readonly message?: string; readonly details?: readonly unknown[] };
}
