/**
 * Where live events go in the list: newest first by `occurredAt` (then id, as the API
 * orders), each id once, within the filters' time window, at most a given number of rows.
 * Pure (no DOM), unit-tested; the events view adds the rendering and the scroll keeping.
 */
import type { AuditEvent, EventFilters } from './types.js';
import { rangeStart } from './url-state.js';

/** Newest first: by occurredAt, then id, both descending (the API's order). */
export function newerFirst(a: AuditEvent, b: AuditEvent): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Does `e` fall in the filters' time window (the live stream ignores it)? */
export function inWindow(e: AuditEvent, f: EventFilters, now: number): boolean {
  if (f.from && e.occurredAt < f.from) return false;
  if (f.to && e.occurredAt > f.to) return false;
  if (f.range && e.occurredAt < rangeStart(f.range, now)) return false;
  return true;
}

/** The list as {@link placeLive} sees it. */
export interface PlaceOptions {
  /** Ids already listed. */
  readonly ids: ReadonlySet<string>;
  readonly filters: EventFilters;
  /** Are there older pages still to load? Then events older than the last row are left to them. */
  readonly more: boolean;
  /** Most rows kept; the oldest beyond it are dropped. */
  readonly cap: number;
  readonly now: number;
}

/** What {@link placeLive} did. */
export interface Placed<T> {
  /** The new list, newest first. */
  readonly rows: T[];
  /** The events that went in, newest first (empty: nothing changed). */
  readonly added: AuditEvent[];
  /** Rows dropped off the end by the cap. */
  readonly dropped: T[];
}

/**
 * Merges live `events` into `rows` (sorted newest first): new ids only, in the time window,
 * not older than the last row while older pages remain; then keeps at most `cap` rows.
 * `wrap` makes a row of an event and `eventOf` reads it back.
 */
export function placeLive<T>(rows: readonly T[], events: readonly AuditEvent[], eventOf: (row: T) => AuditEvent, wrap: (e: AuditEvent) => T, opts: PlaceOptions): Placed<T> {
  const oldest = rows.length ? eventOf(rows[rows.length - 1]) : undefined;
  const seen = new Set<string>();
  const added = events
    .filter((e) => {
      if (!e?.id || opts.ids.has(e.id) || seen.has(e.id) || !inWindow(e, opts.filters, opts.now)) return false;
      seen.add(e.id);
      return !(opts.more && oldest && newerFirst(e, oldest) > 0);
    })
    .sort(newerFirst);
  if (!added.length) return { rows: [...rows], added, dropped: [] };
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while (i < rows.length || j < added.length) {
    if (j < added.length && (i >= rows.length || newerFirst(added[j], eventOf(rows[i])) <= 0)) merged.push(wrap(added[j++]));
    else merged.push(rows[i++]);
  }
  const dropped = merged.length > opts.cap ? merged.splice(opts.cap) : [];
  return { rows: merged, added, dropped };
}
