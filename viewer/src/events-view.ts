/**
 * `<alv-events>`: the Events tab. The filter bar, the events table (newest first, paged with
 * the API's `nextCursor` through "Load more" until "No more events"), loading / empty / error
 * states that say what to do, the details panel, "Export" and "Live updates".
 *
 * Live: {@link LiveFeed} hands over new events at most once per animation frame; they are
 * placed by `occurredAt`, de-duplicated by id, and the reader keeps their place: when the
 * list is scrolled, the scroll position is moved by the height inserted above the first
 * visible row; at the top, new rows simply appear with a brief highlight. At most
 * {@link LIVE_CAP} rows are added on top of what was loaded; older rows then leave the
 * bottom and "Load more" brings them back (by time, as the cursor no longer fits).
 *
 * Events out: `filters-change` (bubbling from the filter bar and the details panel),
 * `event-select` (`detail.id`, or undefined when the panel closes), `events-ready` (first
 * page rendered), `export-requested` (`detail.filters`), `session-expired` (the live stream
 * was closed because the token expired or was revoked).
 */
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { ApiError, type ApiClient, type Query } from './api.js';
import './event-details.js';
import { addSeen, emptySeen, type Seen } from './filters.js';
import './filters.js';
import { actorDetail, actorLabel, formatTime, resourceLabel, resultBadge, severityLabel, type TimeText } from './format.js';
import { LiveFeed, type LiveState } from './live.js';
import { newerFirst, placeLive } from './ordering.js';
import { PAGE_SIZE } from './prefetch.js';
import { strings } from './strings.js';
import { base, table } from './styles.js';
import type { AuditEvent, EventFilters, EventsPage, SessionInfo } from './types.js';
import { rangeStart, sameFilters } from './url-state.js';

/** Most rows live updates add on top of what was loaded. */
export const LIVE_CAP = 500;
/** Pages followed at most in one "load" when the server returns short pages. */
const MAX_FOLLOW = 4;
/** Most new rows in one render that get the "new" highlight. */
const HIGHLIGHT_MAX = 10;
/** Shortest gap between two renders of live events. */
export const LIVE_RENDER_GAP_MS = 250;

/** An event with its display text computed once (re-renders during live bursts reuse it). */
interface Row {
  readonly e: AuditEvent;
  readonly time: TimeText;
  readonly actor: string;
  readonly actorSub: string;
  readonly resource: string;
  readonly badge: ReturnType<typeof resultBadge>;
  readonly severity: string;
  readonly isNew: boolean;
}

function toRow(e: AuditEvent, isNew = false): Row {
  return {
    e,
    time: formatTime(e.occurredAt),
    actor: actorLabel(e.actor),
    actorSub: actorDetail(e.actor),
    resource: resourceLabel(e.resource),
    badge: resultBadge(e.result),
    severity: severityLabel(e.severity),
    isNew,
  };
}

/** What to tell the reader about a failed call. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return strings.errorNetwork;
    if (error.status === 403) return strings.errorForbidden;
    const details = error.details.map((d) => `${d.path}: ${d.message}`).join('; ');
    return strings.errorGeneric(details ? `${error.message} (${details})` : error.message);
  }
  return strings.errorGeneric((error as Error)?.message ?? String(error));
}

/** The nearest scrolling ancestor of `el` (across shadow roots), else the document's scroller. */
function scrollParent(el: Element): Element {
  let node: Node | null = el;
  while (node) {
    node = node instanceof ShadowRoot ? node.host : node.parentNode;
    if (node instanceof Element) {
      const oy = getComputedStyle(node).overflowY;
      if ((oy === 'auto' || oy === 'scroll') && node.scrollHeight > node.clientHeight) return node;
    }
  }
  return document.scrollingElement ?? document.documentElement;
}

export class AlvEvents extends LitElement {
  static properties = {
    api: { attribute: false },
    filters: { attribute: false },
    session: { attribute: false },
    canExport: { attribute: false },
    selectedId: { attribute: false },
    firstPage: { attribute: false },
    rows: { state: true },
    nextCursor: { state: true },
    loading: { state: true },
    error: { state: true },
    live: { state: true },
    liveState: { state: true },
    liveDetail: { state: true },
    selected: { state: true },
    seen: { state: true },
    filtersShown: { state: true },
  };

  static styles = [base, table, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 0.5em 1em; align-items: center; margin: 0.75em 0 0.5em; }
    .switch { display: inline-flex; align-items: center; gap: 0.5em; border-radius: 999px; padding: 0.25em 0.75em 0.25em 0.3em; }
    .track { width: 2.2em; height: 1.25em; border-radius: 999px; background: var(--alv-muted); position: relative; flex: none; }
    .track::after { content: ''; position: absolute; top: 0.15em; left: 0.15em; width: 0.95em; height: 0.95em; border-radius: 50%; background: var(--alv-bg); transition: left 0.15s; }
    .switch[aria-checked='true'] .track { background: var(--alv-accent); }
    .switch[aria-checked='true'] .track::after { left: 1.1em; }
    .live { font-weight: 600; font-size: 0.9em; }
    .live.live-live { color: var(--alv-ok-fg); }
    .live.live-connecting, .live.live-reconnecting { color: var(--alv-warn-fg); }
    .live.live-off { color: var(--alv-bad-fg); }
    .count { font-size: 0.9em; color: var(--alv-muted); }
    /* The list is a grid of div rows with ARIA table roles, not a <table>: inserting a row
       into a 500-row table re-lays out the whole table (50-100 ms per live batch here), while
       block rows are laid out one by one. */
    .grid-table { min-width: 62em; overflow-anchor: none; }
    .grid-table:focus-visible { outline-offset: -3px; }
    .skip { position: absolute; left: -9999px; }
    .skip:focus { position: static; display: inline-block; margin: 0.25em 0; padding: 0.25em 0.5em; }
    .tr {
      display: grid; border-bottom: 1px solid var(--alv-border); contain: layout style;
      /* Every row is its own grid: tracks must not depend on content, or columns would not line up. */
      grid-template-columns: 14em minmax(0, 1.3fr) minmax(0, 1.3fr) minmax(0, 1.6fr) minmax(0, 0.7fr) 7.5em 6.5em minmax(8.5em, 1fr);
    }
    .tr > * { padding: 0.45em 0.65em; min-width: 0; overflow-wrap: anywhere; }
    .thead .tr { background: var(--alv-surface); font-weight: 700; position: sticky; top: 0; z-index: 1; }
    .thead .tr > * { font-size: 0.85em; white-space: nowrap; overflow-wrap: normal; overflow: hidden; text-overflow: ellipsis; }
    .tbody .tr { cursor: pointer; }
    .tbody .tr:hover { background: var(--alv-surface); }
    .tbody .tr.selected { background: var(--alv-selected); }
    .tbody .tr:focus-visible { outline-offset: -3px; }
    .tr.new { animation: alv-new 2.5s ease-out; }
    @media (prefers-reduced-motion: reduce) { .tr.new { animation: none; background: var(--alv-new); } }
    .time { white-space: nowrap; overflow-wrap: normal; }
    .nowrap { white-space: nowrap; }
    .sub { display: block; font-size: 0.85em; color: var(--alv-muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .action code { font-size: 0.9em; }
    @media (max-width: 700px) {
      .grid-table { min-width: 0; }
      .thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
      .tr { grid-template-columns: 1fr; padding: 0.4em 0; }
      .tr > * { padding: 0.15em 0.75em; display: grid; grid-template-columns: 6.5em 1fr; gap: 0.5em; }
      .tr > *::before { content: attr(data-label); font-weight: 600; color: var(--alv-muted); font-size: 0.85em; }
      .tr > * > .badge { justify-self: start; }
      .time { white-space: normal; }
    }
    @media (prefers-reduced-motion: reduce) { .track::after { transition: none; } }
  `];

  declare api: ApiClient | undefined;
  declare filters: EventFilters;
  declare session: SessionInfo | null;
  declare canExport: boolean;
  declare selectedId: string | undefined;
  /**
   * The first page, already asked for by the root element as soon as it connected (before
   * anything rendered), with the filters it was asked with; used once if they still apply.
   */
  declare firstPage: { filters: EventFilters; page: Promise<EventsPage> } | undefined;
  declare rows: Row[];
  declare nextCursor: string | null;
  declare loading: boolean;
  declare error: string;
  declare live: boolean;
  declare liveState: LiveState;
  declare liveDetail: string;
  declare selected: AuditEvent | null;
  declare seen: Seen;
  /**
   * The filter bar (some 30 controls and their suggestion lists) renders once the first rows
   * are on screen, or the first load failed: on a slow device it would otherwise hold the
   * main thread when the first page arrives. It follows in the next frame.
   */
  declare filtersShown: boolean;

  private ids = new Set<string>();
  private loadSeq = 0;
  private loadedFilters: EventFilters | undefined;
  private feed: LiveFeed | undefined;
  /** Rows present when live started (or the list reloaded): the cap is this + {@link LIVE_CAP}. */
  private liveBase = 0;
  /** Set when rows were trimmed from the bottom: "Load more" continues before this instant instead of from the cursor. */
  private resumeBefore: string | undefined;
  /** The query {@link nextCursor} belongs to. */
  private cursorQuery: Query | undefined;
  private readyAnnounced = false;
  private livePending: AuditEvent[] = [];
  private liveTimer: ReturnType<typeof setTimeout> | undefined;
  private lastLiveRender = -Infinity;
  private returnFocusTo: string | undefined;

  constructor() {
    super();
    this.filters = {};
    this.session = null;
    this.canExport = false;
    this.rows = [];
    this.nextCursor = null;
    this.loading = false;
    this.error = '';
    this.live = false;
    this.liveState = 'off';
    this.liveDetail = '';
    this.selected = null;
    this.seen = emptySeen();
    this.filtersShown = false;
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopLive();
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    if ((changed.has('api') || changed.has('filters')) && this.api) {
      if (!this.loadedFilters || changed.has('api') || !sameFilters(this.loadedFilters, this.filters)) {
        this.loadedFilters = this.filters;
        void this.load(true);
        if (this.live) this.restartLive();
      }
    }
    if (changed.has('selectedId')) void this.syncSelected();
  }

  // -- paging --------------------------------------------------------------------------------

  /** Loads the first page (`reset`) or the next one. */
  async load(reset = false): Promise<void> {
    if (!this.api) return;
    const seq = ++this.loadSeq;
    if (reset) {
      this.rows = [];
      this.ids = new Set();
      this.nextCursor = null;
      this.resumeBefore = undefined;
    }
    this.loading = true;
    this.error = '';
    try {
      // A filtered page may come back short, even empty, with a cursor (the server bounds each
      // scan): follow it a few times so the reader gets a full page.
      const { query, cursor } = this.pageQuery(reset);
      const early = reset && this.firstPage && sameFilters(this.firstPage.filters, this.filters) ? this.firstPage.page : undefined;
      this.firstPage = undefined;
      let page = await (early ?? this.api.get<EventsPage>('/v1/events', { ...query, cursor }));
      const got: AuditEvent[] = [...page.events];
      // Rows already shown (live ones, or the overlap of a page resumed by time) do not count.
      const isFresh = (e: AuditEvent) => !this.ids.has(e.id);
      for (let follow = 0; follow < MAX_FOLLOW && got.filter(isFresh).length < PAGE_SIZE && page.nextCursor && seq === this.loadSeq; follow++) {
        page = await this.api.get<EventsPage>('/v1/events', { ...query, cursor: page.nextCursor });
        got.push(...page.events);
      }
      if (seq !== this.loadSeq) return;
      this.cursorQuery = query;
      const fresh = [...new Map(got.filter(isFresh).map((e) => [e.id, e])).values()];
      for (const e of fresh) this.ids.add(e.id);
      // On a reset, rows already here came from live updates during the load: keep them, in place.
      this.rows = reset
        ? [...this.rows, ...fresh.map((e) => toRow(e))].sort((a, b) => newerFirst(a.e, b.e))
        : [...this.rows, ...fresh.map((e) => toRow(e))];
      this.nextCursor = page.nextCursor;
      if (this.resumeBefore && page.nextCursor) this.resumeBefore = undefined; // the new cursor fits again
      if (reset) this.liveBase = this.rows.length;
      addSeen(this.seen, got);
      this.seen = { ...this.seen };
      this.loading = false;
      if (reset) void this.announceReady();
      if (this.selectedId && !this.selected) void this.syncSelected();
    } catch (error) {
      if (seq !== this.loadSeq) return;
      this.loading = false;
      this.error = errorText(error);
      this.filtersShown = true;
    }
  }

  /**
   * The query of the next page and its cursor. A cursor is bound to the query it came from, so
   * the query is kept with it ({@link cursorQuery}).
   */
  private pageQuery(reset: boolean): { query: Query; cursor?: string } {
    const first: Query = { ...this.filters, limit: PAGE_SIZE };
    if (reset) return { query: first };
    if (!this.resumeBefore) return { query: this.cursorQuery ?? first, cursor: this.nextCursor ?? undefined };
    // Rows were trimmed by live updates: continue by time, just before the oldest row kept
    // (1 ms later, inclusive either way; repeats are dropped by id).
    const before = new Date(Date.parse(this.resumeBefore) + 1).toISOString();
    const to = this.filters.to && this.filters.to < before ? this.filters.to : before;
    const from = this.filters.range ? rangeStart(this.filters.range, Date.now()) : this.filters.from;
    return { query: { ...first, range: undefined, from, to } };
  }

  private async announceReady(): Promise<void> {
    await this.updateComplete;
    if (this.readyAnnounced) return;
    this.readyAnnounced = true;
    try {
      performance.mark('alv:first-rows');
    } catch {
      // marks are a measurement aid only
    }
    this.dispatchEvent(new CustomEvent('events-ready', { bubbles: true, composed: true }));
    requestAnimationFrame(() => { this.filtersShown = true; });
  }

  // -- live ----------------------------------------------------------------------------------

  private toggleLive(): void {
    if (this.live) this.stopLive();
    else this.startLive();
  }

  private startLive(): void {
    if (!this.api) return;
    this.live = true;
    this.liveBase = this.rows.length;
    this.feed = new LiveFeed({
      api: this.api,
      filters: this.filters,
      onEvents: (events) => this.queueLive(events),
      onState: (state, detail) => {
        this.liveState = state;
        this.liveDetail = detail ?? '';
        if (state === 'off' && detail) this.live = false; // ended by the server (expired, forbidden, refused)
        if (detail === 'unauthorized') this.dispatchEvent(new CustomEvent('session-expired', { bubbles: true, composed: true }));
      },
    });
    this.feed.start();
  }

  private stopLive(): void {
    clearTimeout(this.liveTimer);
    this.liveTimer = undefined;
    this.livePending = [];
    this.feed?.stop();
    this.feed = undefined;
    this.live = false;
    this.liveState = 'off';
    this.liveDetail = '';
  }

  /** New filters: a new subscription; what the old one had pending is dropped. */
  private restartLive(): void {
    this.stopLive();
    this.startLive();
  }

  /**
   * Live batches arrive at most once per animation frame; under a burst they are gathered
   * further, so the list renders at most every {@link LIVE_RENDER_GAP_MS} (a render moves
   * every visible row: at 60 a second, a busy machine spends its frames re-laying them out).
   */
  private queueLive(events: AuditEvent[]): void {
    this.livePending.push(...events);
    if (this.liveTimer !== undefined) return;
    const wait = Math.max(0, this.lastLiveRender + LIVE_RENDER_GAP_MS - performance.now());
    this.liveTimer = setTimeout(() => requestAnimationFrame(() => {
      this.liveTimer = undefined;
      this.lastLiveRender = performance.now();
      const batch = this.livePending;
      this.livePending = [];
      if (this.live) void this.insertLive(batch);
    }), wait);
  }

  /** Places a batch of live events, keeping the reader's scroll position. */
  private async insertLive(events: AuditEvent[]): Promise<void> {
    // A brief highlight for a few new rows; not in a burst, where it would repaint all the time.
    const highlight = events.length <= HIGHLIGHT_MAX;
    const placed = placeLive(this.rows, events, (r) => r.e, (e) => toRow(e, highlight), {
      ids: this.ids,
      filters: this.filters,
      more: this.nextCursor !== null || this.resumeBefore !== undefined,
      cap: this.liveBase + LIVE_CAP,
      now: Date.now(),
    });
    if (!placed.added.length) return;
    for (const e of placed.added) this.ids.add(e.id);
    const anchor = this.measureAnchor();
    const fresh = new Set(placed.added.map((e) => e.id));
    const merged = placed.rows.map((r) => (r.isNew && !fresh.has(r.e.id) ? { ...r, isNew: false } : r));
    if (placed.dropped.length) {
      for (const r of placed.dropped) this.ids.delete(r.e.id);
      this.resumeBefore = merged[merged.length - 1].e.occurredAt;
      this.nextCursor = null;
    }
    this.rows = merged;
    if (!anchor) return;
    await this.updateComplete;
    const row = this.renderRoot.querySelector(`.tbody [data-id="${CSS.escape(anchor.id)}"]`);
    if (!row) return;
    const delta = row.getBoundingClientRect().top - anchor.top;
    if (delta) anchor.scroller.scrollTop += delta;
  }

  /**
   * The first row visible in the scroller when the list's top is scrolled out of view (the
   * reader is reading further down), with its position; undefined when the top is visible.
   */
  private measureAnchor(): { id: string; top: number; scroller: Element } | undefined {
    const tbody = this.renderRoot.querySelector('.tbody');
    if (!tbody || !tbody.firstElementChild) return undefined;
    const scroller = scrollParent(this);
    const viewTop = scroller === document.scrollingElement ? 0 : scroller.getBoundingClientRect().top;
    if (tbody.getBoundingClientRect().top >= viewTop) return undefined;
    for (const tr of tbody.children) {
      const rect = tr.getBoundingClientRect();
      if (rect.bottom > viewTop) return { id: (tr as HTMLElement).dataset.id ?? '', top: rect.top, scroller };
    }
    return undefined;
  }

  // -- details -------------------------------------------------------------------------------

  private open(e: AuditEvent): void {
    this.returnFocusTo = e.id;
    this.selected = e;
    this.dispatchEvent(new CustomEvent('event-select', { detail: { id: e.id }, bubbles: true, composed: true }));
  }

  /** Opens the event named by `selectedId` (from the URL): from the list, else by id from the API. */
  private async syncSelected(): Promise<void> {
    const id = this.selectedId;
    if (!id) {
      this.selected = null;
      return;
    }
    if (this.selected?.id === id) return;
    const row = this.rows.find((r) => r.e.id === id);
    if (row) {
      this.selected = row.e;
      return;
    }
    if (!this.api || this.loading) return; // retried once the first page is in
    try {
      const e = await this.api.get<AuditEvent>(`/v1/events/${encodeURIComponent(id)}`);
      if (this.selectedId === id) this.selected = e;
    } catch {
      if (this.selectedId === id) this.dispatchEvent(new CustomEvent('event-select', { detail: { id: undefined }, bubbles: true, composed: true }));
    }
  }

  private async onDetailsClose(): Promise<void> {
    this.selected = null;
    this.dispatchEvent(new CustomEvent('event-select', { detail: { id: undefined }, bubbles: true, composed: true }));
    const id = this.returnFocusTo;
    this.returnFocusTo = undefined;
    if (!id) return;
    await this.updateComplete;
    (this.renderRoot.querySelector(`.tbody [data-id="${CSS.escape(id)}"]`) as HTMLElement | null)?.focus();
  }

  /** The row an event happened in (listeners are delegated to the row group). */
  private rowOf(e: Event): { tr: HTMLElement; row: Row } | undefined {
    const tr = (e.target as HTMLElement).closest?.('[data-testid="event-row"]') as HTMLElement | null;
    const row = tr && this.rows.find((r) => r.e.id === tr.dataset.id);
    return tr && row ? { tr, row } : undefined;
  }

  private onRowClick(e: MouseEvent): void {
    const hit = this.rowOf(e);
    if (hit) this.open(hit.row.e);
  }

  private onRowKey(e: KeyboardEvent): void {
    const hit = this.rowOf(e);
    if (!hit || e.target !== hit.tr) return;
    const tr = hit.tr;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.open(hit.row.e);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const next = (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
      next?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      const body = tr.parentElement!;
      ((e.key === 'Home' ? body.firstElementChild : body.lastElementChild) as HTMLElement | null)?.focus();
    }
  }

  /** Skips the filter bar: focus on the first row (or the list). */
  private skipToEvents(e: Event): void {
    e.preventDefault();
    const target = (this.renderRoot.querySelector('[data-testid="event-row"]') ?? this.renderRoot.querySelector('#events')) as HTMLElement | null;
    target?.focus();
  }

  private exportRequested(): void {
    this.dispatchEvent(new CustomEvent('export-requested', { detail: { filters: this.filters }, bubbles: true, composed: true }));
  }

  private clearFilters(): void {
    this.dispatchEvent(new CustomEvent('filters-change', { detail: { filters: {} }, bubbles: true, composed: true }));
  }

  // -- render --------------------------------------------------------------------------------

  /** One row; re-rendered only when it changes (a live burst re-renders a few rows, not 500). */
  private renderRow(row: Row) {
    const sel = this.selected?.id === row.e.id;
    return guard([row, sel, row.isNew], () => this.rowTemplate(row, sel));
  }

  private rowTemplate(row: Row, sel: boolean) {
    const e = row.e;
    return html`<div role="row" tabindex="0" data-testid="event-row" data-id=${e.id} class=${'tr' + (sel ? ' selected' : '') + (row.isNew ? ' new' : '')}
        aria-current=${sel ? 'true' : nothing}>
      <div role="cell" class="time" data-label=${strings.colTime}><time datetime=${row.time.iso} title=${row.time.utc}>${row.time.text}</time></div>
      <div role="cell" data-label=${strings.colActor}><span>${row.actor}${row.actorSub ? html`<span class="sub" title=${row.actorSub}>${row.actorSub}</span>` : nothing}</span></div>
      <div role="cell" class="action" data-label=${strings.colAction}><code>${e.action}</code></div>
      <div role="cell" data-label=${strings.colResource}>${row.resource}</div>
      <div role="cell" data-label=${strings.colProject}>${e.project ?? strings.none}</div>
      <div role="cell" data-label=${strings.colResult}><span class="badge ${row.badge.tone}">${row.badge.label}</span></div>
      <div role="cell" data-label=${strings.colSeverity}><span class="sev-${e.severity}">${row.severity}</span></div>
      <div role="cell" data-label=${strings.colIp}>${e.ip ?? strings.none}</div>
    </div>`;
  }

  private renderFooter() {
    if (this.error) {
      return html`<div class="state error" role="alert" data-testid="events-error">${this.error}
        <button type="button" @click=${() => this.load(this.rows.length === 0)}>${strings.retry}</button></div>`;
    }
    if (this.loading) return html`<div class="state" role="status" data-testid="events-loading">${strings.loadingEvents}</div>`;
    if (!this.rows.length && (this.nextCursor || this.resumeBefore)) {
      return html`<div class="state" role="status">${strings.eventsNoneYet}
        <div class="more"><button type="button" data-testid="load-more" @click=${() => this.load(false)}>${strings.loadMore}</button></div></div>`;
    }
    if (!this.rows.length) {
      return html`<div class="state" role="status" data-testid="events-empty">${strings.eventsEmpty}
        <div><button type="button" class="link" @click=${this.clearFilters}>${strings.fClear}</button></div></div>`;
    }
    if (this.nextCursor || this.resumeBefore) {
      return html`<div class="more"><button type="button" data-testid="load-more" @click=${() => this.load(false)}>${strings.loadMore}</button></div>`;
    }
    return html`<div class="more muted" data-testid="no-more">${strings.noMoreEvents}</div>`;
  }

  render() {
    const liveLabel = strings.liveState[this.liveState] ?? this.liveState;
    return html`
      <a class="skip" href="#events" data-testid="skip-to-events" @click=${this.skipToEvents}>${strings.skipToEvents}</a>
      ${this.filtersShown
        ? html`<alv-filters .filters=${this.filters} .restrict=${this.session?.restrict} .seen=${this.seen} .api=${this.api}></alv-filters>`
        : nothing}
      <div class="bar">
        <button type="button" class="switch" role="switch" aria-checked=${this.live ? 'true' : 'false'} data-testid="live-toggle" @click=${this.toggleLive}>
          <span class="track" aria-hidden="true"></span>${strings.liveToggle}
        </button>
        ${this.live || this.liveDetail ? html`<span class="live live-${this.liveState}" data-testid="live-indicator" data-state=${this.liveState} role="status" title=${this.liveDetail}>${liveLabel}</span>` : nothing}
        <span class="spacer"></span>
        <span class="count">${this.rows.length ? strings.eventsCount(this.rows.length) : ''}</span>
        ${this.canExport ? html`<button type="button" class="primary" data-testid="export" @click=${this.exportRequested}>${strings.exportButton}</button>` : nothing}
      </div>
      <div class="table-wrap">
        <div role="table" id="events" tabindex="-1" class="grid-table" data-testid="events-table" aria-label=${strings.eventsTableLabel} aria-busy=${this.loading ? 'true' : 'false'}>
          <div role="rowgroup" class="thead"><div role="row" class="tr">
            <span role="columnheader">${strings.colTime}</span><span role="columnheader">${strings.colActor}</span><span role="columnheader">${strings.colAction}</span>
            <span role="columnheader">${strings.colResource}</span><span role="columnheader">${strings.colProject}</span><span role="columnheader">${strings.colResult}</span>
            <span role="columnheader">${strings.colSeverity}</span><span role="columnheader">${strings.colIp}</span>
          </div></div>
          <div role="rowgroup" class="tbody" @click=${this.onRowClick} @keydown=${this.onRowKey}>${repeat(this.rows, (r) => r.e.id, (r) => this.renderRow(r))}</div>
        </div>
        ${this.renderFooter()}
      </div>
      <alv-event-details .event=${this.selected} .filters=${this.filters} @details-close=${this.onDetailsClose}></alv-event-details>
    `;
  }
}

if (!customElements.get('alv-events')) customElements.define('alv-events', AlvEvents);
