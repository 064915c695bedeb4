/**
 * The first requests, sent as early as the page allows. The standalone page loads this
 * module on its own first (`early.js`, a few KB, built from it by viewer/build.ts), so the
 * requests leave while the main bundle is still downloading; it is also the main bundle's
 * first import, so a host page that loads only `audit-log-viewer.js` gets them before Lit
 * and the views are evaluated. Whichever runs first starts them; the other finds them on
 * the page (a global keyed by a registered symbol). It reads what the element
 * will read (its `api` and `token` attributes, the `#token=` fragment or the tab's stored
 * token, the filters in the URL) and asks for the first page of events and the session at
 * once. `<audit-log-viewer>` adopts them if nothing changed in between ({@link takeEarly});
 * otherwise they are simply unused. Depends on nothing but the small API, session and URL
 * modules.
 */
import { createApiClient, type ApiError } from './api.js';
import { resolveToken } from './session.js';
import type { EventFilters, EventsPage, SessionInfo } from './types.js';
import { readUrlState, sameFilters } from './url-state.js';

/** Requests already on their way. */
export interface Early {
  readonly base: string;
  readonly token: string;
  readonly filters: EventFilters;
  readonly page: Promise<EventsPage> | undefined;
  readonly session: Promise<SessionInfo>;
  /** Set when either answered 401. */
  unauthorized?: ApiError;
}

/** Events per page of the list (the first one is asked for here). */
export const PAGE_SIZE = 50;

/** Where the early requests wait for the element: shared by the early script and the main bundle. */
const EARLY = Symbol.for('audit-log-viewer.early');
type Holder = { [EARLY]?: Early | null };
const holder = globalThis as Holder;

function start(): void {
  if (holder[EARLY] !== undefined) return; // started by the early script (or taken already)
  holder[EARLY] = null;
  const el = typeof document === 'undefined' ? null : document.querySelector('audit-log-viewer');
  if (!el) return;
  const base = (el.getAttribute('api') || location.origin).replace(/\/+$/, '');
  const token = el.getAttribute('token') || resolveToken(base);
  if (!token) return;
  const state = readUrlState(el.getAttribute('url-state') === 'off' ? '' : location.search);
  const api = createApiClient({ base, token, onUnauthorized: (e) => { if (early) early.unauthorized = e; } });
  let early: Early | undefined;
  const page = state.tab === 'events' ? api.get<EventsPage>('/v1/events', { ...state.filters, limit: PAGE_SIZE }) : undefined;
  const session = api.get<SessionInfo>('/v1/session');
  page?.catch(() => undefined); // read, and reported, by whoever adopts them
  session.catch(() => undefined);
  early = { base, token, filters: state.filters, page, session };
  holder[EARLY] = early;
}

try {
  start();
} catch {
  // anything odd (no storage, unusual host page): the element asks again itself
}

/** The early requests if they were made for this API, token and filters; each is handed out once. */
export function takeEarly(base: string, token: string, filters: EventFilters): Early | undefined {
  const e = holder[EARLY] ?? undefined;
  holder[EARLY] = null;
  return e && e.base === base && e.token === token && sameFilters(e.filters, filters) ? e : undefined;
}
