/**
 * `<audit-log-viewer api="…" token="…">`: the audit log's web viewer, a self-contained web
 * component (shadow DOM, so a host page's CSS cannot break it) that talks only to the public
 * API.
 *
 * - `api`: the API's base URL. @default location.origin (the standalone page is served by the API)
 * - `url-state`: `off` keeps the tab and filters in memory instead of the page's query string
 *   (for a host app whose router owns its URL). @default on
 * - `token`: a bearer token. @default the `#token=` of a viewer-session link (see session.ts),
 *   else this tab's stored token, else a "paste a token" form.
 *
 * On load it lists events and asks `GET /v1/session` at the same time (the first rows do not
 * wait for the session), then shows the tabs the token's scopes allow (Exports with
 * `exports:write`, Admin with `admin`), the viewer's name and any fixed restriction. The
 * active tab, the filters and the open event live in the page's query string, so a view can
 * be bookmarked; the token never does. A 401 from any call, or the session's `expiresAt`
 * passing, replaces everything with a plain "session expired" message.
 *
 * Sets `data-ready="events"` on itself once the first page of events is on screen.
 */
// First: starts the first requests before the rest of the bundle is evaluated.
import { PAGE_SIZE, takeEarly } from './prefetch.js';
import { LitElement, html, css, nothing, type PropertyValues } from 'lit';
import './access-logs-view.js';
import './admin-view.js';
import { ApiError, createApiClient, type ApiClient } from './api.js';
import { errorText } from './events-view.js';
import './exports-view.js';
import { formatTime } from './format.js';
import { forgetToken, resolveToken, saveToken } from './session.js';
import { strings } from './strings.js';
import { base } from './styles.js';
import type { EventFilters, EventsPage, Scope, SessionInfo } from './types.js';
import { readUrlState, writeUrlState, type AccessFilters, type Tab } from './url-state.js';

/** Longest delay `setTimeout` takes (about 24.8 days); a later expiry is left to the server's 401. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Phase = 'token' | 'ready' | 'expired';

/** Does the session carry `scope` (admin implies all)? */
export function hasScope(session: SessionInfo | null, scope: Scope): boolean {
  return !!session && (session.scopes.includes(scope) || session.scopes.includes('admin'));
}

interface ExportDialog extends HTMLElement {
  open(filters: EventFilters): Promise<void>;
}

export class AuditLogViewer extends LitElement {
  static properties = {
    api: { type: String },
    token: { type: String },
    urlState: { type: String, attribute: 'url-state' },
    phase: { state: true },
    session: { state: true },
    sessionError: { state: true },
    tab: { state: true },
    filters: { state: true },
    access: { state: true },
    eventId: { state: true },
    visited: { state: true },
    exportDialog: { state: true },
  };

  static styles = [base, css`
    :host { display: block; background: var(--alv-bg); color: var(--alv-fg); container-type: inline-size; }
    .shell { max-width: 160rem; margin: 0 auto; padding: 0.75em clamp(0.5em, 2vw, 2em) 2em; }
    header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.25em 1em; padding-bottom: 0.5em; }
    h1 { font-size: 1.35em; margin: 0; }
    .who { display: flex; flex-wrap: wrap; gap: 0.25em 1em; align-items: baseline; font-size: 0.95em; }
    .restricted { font-weight: 600; padding: 0.05em 0.6em; border-radius: 999px; background: var(--alv-warn-bg); color: var(--alv-warn-fg); }
    [role='tablist'] { display: flex; gap: 0.25em; border-bottom: 1px solid var(--alv-border); overflow-x: auto; }
    [role='tab'] {
      border: 0; border-bottom: 3px solid transparent; border-radius: var(--alv-radius) var(--alv-radius) 0 0;
      background: none; padding: 0.5em 1em; font-weight: 600; color: var(--alv-muted); white-space: nowrap;
    }
    [role='tab'][aria-selected='true'] { color: var(--alv-fg); border-bottom-color: var(--alv-accent); }
    [role='tab']:focus-visible { outline-offset: -3px; }
    @media (max-width: 480px) { [role='tab'] { padding: 0.5em 0.6em; } }
    [role='tabpanel'] { padding-top: 0.5em; }
    [role='tabpanel']:focus-visible { outline-offset: 4px; }
    .center { max-width: 34em; margin: 10vh auto; padding: 1.5em; border: 1px solid var(--alv-border); border-radius: var(--alv-radius); background: var(--alv-surface); }
    .center h1 { margin-bottom: 0.5em; }
    form { display: flex; flex-direction: column; gap: 0.75em; }
    .banner { padding: 0.6em 0.9em; border-radius: var(--alv-radius); background: var(--alv-bad-bg); color: var(--alv-bad-fg); margin: 0.5em 0; }
  `];

  declare api: string;
  declare token: string;
  declare urlState: string;
  declare phase: Phase;
  declare session: SessionInfo | null;
  declare sessionError: string;
  declare tab: Tab;
  declare filters: EventFilters;
  declare access: AccessFilters;
  declare eventId: string | undefined;
  declare visited: Set<Tab>;
  /** The export dialog is rendered on the first "Export" (nothing of it on load). */
  declare exportDialog: boolean;

  private client: ApiClient | undefined;
  /** The first page of events, asked for on connect, in parallel with the session. */
  private firstPage: { filters: EventFilters; page: Promise<EventsPage> } | undefined;
  private activeToken: string | undefined;
  /** True when the token came from the attribute (the host app manages sign-in; no "sign out"). */
  private tokenFromHost = false;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly onPopState = () => { if (this.inUrl) this.readUrl(); };
  /** A new sign-in link opened in the same tab only changes the fragment: sign in with it. */
  private readonly onHashChange = () => {
    if (this.token) return; // the host app's token wins
    const token = resolveToken(this.apiBase);
    if (token && token !== this.activeToken) this.signIn(token);
  };

  constructor() {
    super();
    this.api = '';
    this.token = '';
    this.phase = 'token';
    this.session = null;
    this.sessionError = '';
    this.tab = 'events';
    this.filters = {};
    this.access = {};
    this.visited = new Set(['events']);
    this.exportDialog = false;
  }

  private get apiBase(): string {
    return (this.api || location.origin).replace(/\/+$/, '');
  }

  connectedCallback(): void {
    super.connectedCallback();
    this.readUrl();
    addEventListener('popstate', this.onPopState);
    addEventListener('hashchange', this.onHashChange);
    this.signIn(this.token || resolveToken(this.apiBase));
  }

  disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('popstate', this.onPopState);
    removeEventListener('hashchange', this.onHashChange);
    clearTimeout(this.expiryTimer);
  }

  protected willUpdate(changed: PropertyValues<this>): void {
    // A host app that sets a new token or API (e.g. a renewed session) signs in again.
    if (this.hasUpdated && (changed.has('token') || changed.has('api')) && this.token && this.token !== this.activeToken) this.signIn(this.token);
  }

  /** Starts a session with `token` (or shows the token form without one). */
  private signIn(token: string | undefined): void {
    clearTimeout(this.expiryTimer);
    this.tokenFromHost = !!this.token && token === this.token;
    this.activeToken = token;
    this.session = null;
    this.sessionError = '';
    this.removeAttribute('data-ready');
    if (!token) {
      this.client = undefined;
      this.phase = 'token';
      return;
    }
    this.client = createApiClient({ base: this.apiBase, token, onUnauthorized: () => this.expire() });
    this.phase = 'ready';
    // The first rows matter most: they were asked for as the bundle started (prefetch.ts), or
    // are asked for now, before anything renders; the session at the same time (the list does
    // not wait for it).
    const early = takeEarly(this.apiBase, token, this.filters);
    if (early?.unauthorized) {
      this.expire();
      return;
    }
    if (this.tab === 'events') {
      const page = early?.page ?? this.client.get<EventsPage>('/v1/events', { ...this.filters, limit: PAGE_SIZE });
      page.catch((e) => { if (e instanceof ApiError && e.status === 401) this.expire(); }); // the list reports other errors
      this.firstPage = { filters: this.filters, page };
    }
    void this.loadSession(this.client, early?.session);
  }

  private async loadSession(client: ApiClient, early?: Promise<SessionInfo>): Promise<void> {
    try {
      const session = await (early ?? client.get<SessionInfo>('/v1/session'));
      if (client !== this.client) return;
      this.session = session;
      this.scheduleExpiry(session.expiresAt);
      if (!this.allowed(this.tab)) this.selectTab('events', false, false);
    } catch (error) {
      if (client !== this.client) return;
      if (error instanceof ApiError && error.status === 401) return this.expire();
      this.sessionError = strings.sessionError(errorText(error));
    }
  }

  private scheduleExpiry(expiresAt: string | undefined): void {
    if (!expiresAt) return;
    const ms = Date.parse(expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return;
    if (ms <= 0) this.expire();
    else if (ms <= MAX_TIMER_MS) this.expiryTimer = setTimeout(() => this.expire(), ms);
  }

  /** The token no longer works: say so and drop everything it showed (live updates stop as the views leave). */
  private expire(): void {
    if (this.phase === 'expired') return;
    clearTimeout(this.expiryTimer);
    this.phase = 'expired';
    this.client = undefined;
  }

  private signOut(): void {
    forgetToken(this.apiBase);
    this.signIn(undefined);
  }

  private onTokenSubmit(e: SubmitEvent): void {
    e.preventDefault();
    const input = (e.currentTarget as HTMLFormElement).elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) {
      input.focus();
      return;
    }
    saveToken(this.apiBase, token);
    this.signIn(token);
  }

  // -- URL state -----------------------------------------------------------------------------

  /** Whether the view lives in the page's query string (the default) or only in memory. */
  private get inUrl(): boolean {
    return this.urlState !== 'off';
  }

  private readUrl(): void {
    const state = readUrlState(this.inUrl ? location.search : '');
    this.tab = state.tab;
    this.filters = state.filters;
    this.access = state.access;
    this.eventId = state.event;
    this.visited = new Set([...this.visited, state.tab]);
  }

  private writeUrl(push: boolean): void {
    if (!this.inUrl) return;
    const qs = writeUrlState({ tab: this.tab, filters: this.filters, access: this.access, event: this.eventId }, location.search);
    const url = `${location.pathname}${qs}`; // no fragment: a token never goes back in
    if (url === `${location.pathname}${location.search}` && !location.hash) return;
    if (push) history.pushState(history.state, '', url);
    else history.replaceState(history.state, '', url);
  }

  private allowed(tab: Tab): boolean {
    if (tab === 'exports') return hasScope(this.session, 'exports:write');
    if (tab === 'admin') return hasScope(this.session, 'admin');
    return true;
  }

  private selectTab(tab: Tab, focus: boolean, push = true): void {
    if (tab !== this.tab) {
      this.tab = tab;
      this.visited = new Set([...this.visited, tab]);
      this.writeUrl(push);
    }
    if (focus) void this.updateComplete.then(() => (this.renderRoot.querySelector(`#tab-${tab}`) as HTMLElement | null)?.focus());
  }

  private onTabKey(e: KeyboardEvent, tabs: Tab[]): void {
    const i = tabs.indexOf(this.tab);
    let next: number | undefined;
    if (e.key === 'ArrowRight') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next === undefined) return;
    e.preventDefault();
    this.selectTab(tabs[next], true);
  }

  private onFiltersChange(e: CustomEvent<{ filters: EventFilters }>): void {
    e.stopPropagation();
    const onlyQ = Object.keys({ ...this.filters, ...e.detail.filters }).every((k) => k === 'q' || JSON.stringify((this.filters as Record<string, unknown>)[k]) === JSON.stringify((e.detail.filters as Record<string, unknown>)[k]));
    this.filters = e.detail.filters;
    this.eventId = undefined;
    this.writeUrl(!onlyQ);
  }

  private onAccessFiltersChange(e: CustomEvent<{ filters: AccessFilters }>): void {
    e.stopPropagation();
    this.access = e.detail.filters;
    this.writeUrl(true);
  }

  private onEventSelect(e: CustomEvent<{ id?: string }>): void {
    e.stopPropagation();
    if (this.eventId === e.detail.id) return;
    this.eventId = e.detail.id;
    this.writeUrl(false);
  }

  private onEventsReady(e: Event): void {
    e.stopPropagation();
    this.setAttribute('data-ready', 'events');
  }

  private async onExportRequested(e: CustomEvent<{ filters: EventFilters }>): Promise<void> {
    e.stopPropagation();
    this.exportDialog = true;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('alv-export-dialog') as ExportDialog | null;
    await dialog?.open(e.detail.filters);
  }

  private takeFirstPage() {
    const first = this.firstPage;
    this.firstPage = undefined;
    return first;
  }

  // -- render --------------------------------------------------------------------------------

  private renderTokenForm() {
    return html`<div class="center alv-root">
      <form data-testid="token-form" @submit=${this.onTokenSubmit}>
        <h1>${strings.tokenFormTitle}</h1>
        <p id="token-help">${strings.tokenFormHelp}</p>
        <div class="field">
          <label for="token">${strings.tokenLabel}</label>
          <input id="token" name="token" type="password" autocomplete="off" spellcheck="false" required aria-describedby="token-help">
        </div>
        <div><button type="submit" class="primary">${strings.signIn}</button></div>
      </form>
    </div>`;
  }

  private renderExpired() {
    return html`<div class="center alv-root">
      <div role="alert" data-testid="session-expired"><h1>${strings.appTitle}</h1><p>${strings.sessionExpired}</p></div>
      ${this.tokenFromHost ? nothing : html`<button type="button" class="link" @click=${this.signOut}>${strings.useAnotherToken}</button>`}
    </div>`;
  }

  private renderHeader() {
    const s = this.session;
    const who = s ? s.viewer?.name || s.viewer?.email || s.name : '';
    const restrict = s?.restrict ? Object.entries(s.restrict).filter(([, v]) => v).map(([k, v]) => strings.restrictionPart(k, String(v))) : [];
    const until = s?.expiresAt ? formatTime(s.expiresAt) : undefined;
    return html`<header>
      <h1 id="alv-title">${strings.appTitle}</h1>
      <div class="who" data-testid="session-info">
        ${who ? html`<span data-testid="viewer-name">${strings.signedInAs(who)}</span>` : nothing}
        ${restrict.length ? html`<span class="restricted" data-testid="restriction">${strings.restrictedTo(restrict.join(strings.and))}</span>` : nothing}
        ${until ? html`<span class="muted"><time datetime=${until.iso} title=${until.utc}>${strings.expiresAt(until.text)}</time></span>` : nothing}
        ${this.tokenFromHost ? nothing : html`<button type="button" class="link" data-testid="sign-out" @click=${this.signOut}>${strings.signOut}</button>`}
      </div>
    </header>`;
  }

  private renderPanel(tab: Tab) {
    const client = this.client;
    switch (tab) {
      case 'events':
        return html`<alv-events .api=${client} .filters=${this.filters} .session=${this.session} .selectedId=${this.eventId} .firstPage=${this.takeFirstPage()}
          .canExport=${hasScope(this.session, 'exports:write')}
          @filters-change=${this.onFiltersChange} @event-select=${this.onEventSelect} @events-ready=${this.onEventsReady}
          @export-requested=${this.onExportRequested} @session-expired=${() => this.expire()}></alv-events>`;
      case 'access':
        return html`<alv-access-logs .api=${client} .filters=${this.access} .restrict=${this.session?.restrict} @access-filters-change=${this.onAccessFiltersChange}></alv-access-logs>`;
      case 'exports':
        return html`<alv-exports .api=${client}></alv-exports>`;
      case 'admin':
        return html`<alv-admin .api=${client} .session=${this.session}></alv-admin>`;
    }
  }

  render() {
    if (this.phase === 'token') return this.renderTokenForm();
    if (this.phase === 'expired') return this.renderExpired();
    const labels: Record<Tab, string> = { events: strings.tabEvents, access: strings.tabAccess, exports: strings.tabExports, admin: strings.tabAdmin };
    const tabs = (['events', 'access', 'exports', 'admin'] as const).filter((t) => this.allowed(t));
    const waiting = !this.allowed(this.tab) && !this.session; // e.g. ?tab=admin before the session is known
    return html`<section class="shell alv-root" aria-labelledby="alv-title">
      ${this.renderHeader()}
      ${this.sessionError ? html`<div class="banner" role="alert">${this.sessionError}</div>` : nothing}
      <div role="tablist" aria-label=${strings.tabsLabel} @keydown=${(e: KeyboardEvent) => this.onTabKey(e, tabs)}>
        ${tabs.map((t) => html`<button type="button" role="tab" id=${`tab-${t}`} data-testid=${`tab-${t}`} aria-controls=${`panel-${t}`}
          aria-selected=${this.tab === t ? 'true' : 'false'} tabindex=${this.tab === t ? '0' : '-1'}
          @click=${() => this.selectTab(t, false)}>${labels[t]}</button>`)}
      </div>
      ${waiting ? html`<div class="state" role="status">${strings.loading}</div>` : nothing}
      ${tabs.filter((t) => this.visited.has(t)).map((t) => html`<div role="tabpanel" id=${`panel-${t}`} aria-labelledby=${`tab-${t}`} ?hidden=${this.tab !== t}>${this.renderPanel(t)}</div>`)}
      ${this.exportDialog && hasScope(this.session, 'exports:write') ? html`<alv-export-dialog .api=${this.client}></alv-export-dialog>` : nothing}
    </section>`;
  }
}

if (!customElements.get('audit-log-viewer')) customElements.define('audit-log-viewer', AuditLogViewer);
