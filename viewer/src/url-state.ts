/**
 * The viewer's state in the page URL, so a view can be bookmarked and shared: the active tab,
 * the events filters (same names as `GET /v1/events`, `action` repeated), the access-log
 * filters (prefixed `access.`) and the open event (`event`). Pure: no DOM, unit-tested.
 *
 * Reading validates every value and silently drops what the API would reject (a hand-edited
 * or stale link then shows a wider view instead of an error). Writing keeps the host page's
 * own query parameters: the element may be embedded in an application with its own URL.
 * The token never goes here.
 */
import { RANGES, RESULTS, SEVERITIES, type EventFilters, type RangePreset, type Result, type Severity } from './types.js';

export const TABS = ['events', 'access', 'exports', 'admin'] as const;
export type Tab = (typeof TABS)[number];

/** Filters of `GET /v1/access-logs`. */
export interface AccessFilters {
  actor?: string;
  from?: string;
  to?: string;
  range?: RangePreset;
  result?: Result;
}

/** Everything the URL holds. */
export interface UrlState {
  tab: Tab;
  filters: EventFilters;
  access: AccessFilters;
  /** Id of the event whose details are open. */
  event?: string;
}

const ID = /^[A-Za-z0-9._:@+-]{1,128}$/;
const ACTION = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/;
const NAME = /^[a-z0-9_-][a-z0-9_.-]{0,63}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
const MAX_Q = 200;
const MAX_ACTIONS = 20;

/** `value` if it is an ISO-8601 instant the API accepts, normalised to `toISOString()`; else undefined. */
export function isoOrUndefined(value: string | null | undefined): string | undefined {
  if (!value || value.length > 40 || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const t = Date.parse(value);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function pick<T extends string>(allowed: readonly T[], value: string | null): T | undefined {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

function match(re: RegExp, value: string | null): string | undefined {
  return value !== null && re.test(value) ? value : undefined;
}

/** Drops undefined and empty values (so equal filters compare equal and serialise the same). */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as T;
}

/**
 * The time window: explicit `from`/`to` win over a `range` preset (the API takes one or the
 * other); a `from` after `to` is dropped.
 */
function timeWindow(from: string | undefined, to: string | undefined, range: RangePreset | undefined): Pick<EventFilters, 'from' | 'to' | 'range'> {
  if (from && to && from > to) from = undefined;
  if (from || to) return { from, to };
  return { range };
}

/** Reads validated events filters from query parameters named as in `GET /v1/events`, keys optionally prefixed. */
export function readFilters(params: URLSearchParams, prefix = ''): EventFilters {
  const get = (k: string) => params.get(prefix + k);
  const actions = [...new Set(params.getAll(prefix + 'action').filter((a) => a.length <= 128 && ACTION.test(a)))].slice(0, MAX_ACTIONS);
  const q = get('q')?.trim().slice(0, MAX_Q);
  return compact<EventFilters>({
    ...timeWindow(isoOrUndefined(get('from')), isoOrUndefined(get('to')), pick(RANGES, get('range'))),
    action: actions,
    category: match(NAME, get('category')),
    actor: match(ID, get('actor')),
    actorEmail: match(EMAIL, get('actorEmail')),
    resourceType: match(NAME, get('resourceType')),
    resourceId: match(ID, get('resourceId')),
    project: match(ID, get('project')),
    result: pick<Result>(RESULTS, get('result')),
    severity: pick<Severity>(SEVERITIES, get('severity')),
    q,
  });
}

/** Validated access-log filters (keys prefixed `access.`). */
export function readAccessFilters(params: URLSearchParams): AccessFilters {
  const get = (k: string) => params.get('access.' + k);
  return compact<AccessFilters>({
    ...timeWindow(isoOrUndefined(get('from')), isoOrUndefined(get('to')), pick(RANGES, get('range'))),
    actor: match(ID, get('actor')),
    result: pick<Result>(RESULTS, get('result')),
  });
}

/** The whole state from a query string (`location.search`). */
export function readUrlState(search: string | URLSearchParams): UrlState {
  const params = typeof search === 'string' ? new URLSearchParams(search) : search;
  const event = match(ID, params.get('event'));
  return compact<UrlState>({
    tab: pick(TABS, params.get('tab')) ?? 'events',
    filters: readFilters(params),
    access: readAccessFilters(params),
    event,
  });
}

const EVENT_KEYS = ['from', 'to', 'range', 'action', 'category', 'actor', 'actorEmail', 'resourceType', 'resourceId', 'project', 'result', 'severity', 'q'] as const;
const ACCESS_KEYS = ['actor', 'from', 'to', 'range', 'result'] as const;

/** Every query parameter this module owns (the others belong to the host page and are kept). */
export const OWN_KEYS: readonly string[] = ['tab', 'event', ...EVENT_KEYS, ...ACCESS_KEYS.map((k) => 'access.' + k)];

/** Appends filters as query parameters (arrays repeat the key), in a stable order. */
export function writeFilters(params: URLSearchParams, filters: EventFilters | AccessFilters, prefix = ''): void {
  for (const key of EVENT_KEYS) {
    const value = (filters as Record<string, unknown>)[key];
    if (value === undefined || value === '' || value === null) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(prefix + key, String(v));
  }
}

/**
 * The query string for `state`, keeping the host page's other parameters from `current`.
 * The default tab is left out, so a plain view has a plain URL. Returns '' or '?…'.
 */
export function writeUrlState(state: UrlState, current: string | URLSearchParams = ''): string {
  const params = new URLSearchParams(current);
  for (const key of OWN_KEYS) params.delete(key);
  if (state.tab !== 'events') params.set('tab', state.tab);
  writeFilters(params, state.filters);
  writeFilters(params, state.access, 'access.');
  if (state.event) params.set('event', state.event);
  const qs = params.toString();
  return qs ? `?${qs}` : '';
}

/** Same filters (order of `action` ignored)? */
export function sameFilters(a: EventFilters | AccessFilters, b: EventFilters | AccessFilters): boolean {
  const pa = new URLSearchParams();
  const pb = new URLSearchParams();
  const norm = (f: EventFilters | AccessFilters) => ('action' in f && f.action ? { ...f, action: [...f.action].sort() } : f);
  writeFilters(pa, norm(a));
  writeFilters(pb, norm(b));
  return pa.toString() === pb.toString();
}

/** The start of a range preset, relative to `now` (ms since epoch). */
export function rangeStart(range: RangePreset, now: number): string {
  const hours = range === '24h' ? 24 : range === '7d' ? 24 * 7 : 24 * 30;
  return new Date(now - hours * 3_600_000).toISOString();
}

/** `datetime-local` input value (local time, minutes) for an ISO instant; '' when absent. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** ISO instant for a `datetime-local` value (read in the viewer's time zone); undefined when empty or invalid. */
export function fromLocalInput(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const t = new Date(value).getTime(); // no zone designator: local time, per ECMAScript
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}
