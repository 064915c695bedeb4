/**
 * Listing events: plan the indexed read, resume from a signed cursor, read one
 * (possibly partial) page, sign the next cursor.
 */
import type { EventStore } from '../adapters/event-store.js';
import { decodeCursor, encodeCursor } from '../core/cursor.js';
import type { AuditEvent } from '../core/event.js';
import { fromItem, TTL_ATTRIBUTE } from '../core/keys.js';
import { LIMITS } from '../core/limits.js';
import { readPage } from '../core/paging.js';
import { type CatchUpPosition, readReceivedPage, startPosition } from '../core/catch-up.js';
import { scanAscending } from '../core/export-scan.js';
import { canonicalFilter, filterConditions, planEventQuery, toFilterExpression } from '../core/query-plan.js';
import { restrictFilter } from '../core/restrictions.js';
import type { EventFilter, Restriction } from '../core/schemas.js';
import { effectiveSettings, type SettingsSources } from '../settings/effective-settings.js';

/** What reading pages needs: settings, the Events table, the cursor-signing key. */
export interface ListDeps extends SettingsSources {
  readonly eventStore: Pick<EventStore, 'queryPartition'>;
  /** HMAC key of cursors (`config.cursorSecret`). */
  readonly cursorSecret: string;
}

/** A page of events, newest first. */
export interface EventPage {
  events: AuditEvent[];
  nextCursor: string | null;
}

interface EventCursor {
  /** Resume strictly below this sort key. */
  b: string;
}

/**
 * Reads one page of `tenant`'s events matching `filter`, ANDed with the caller's token
 * restriction `restrict` (a filter that contradicts it selects nothing).
 */
export async function listEvents(deps: ListDeps, tenant: string, requested: EventFilter, page: { limit: number; cursor?: string }, restrict?: Restriction): Promise<EventPage & { scanned: number }> {
  const filter = restrictFilter(requested, restrict);
  if (!filter) return { events: [], nextCursor: null, scanned: 0 };
  const binding = canonicalFilter(filter);
  const resume = page.cursor ? decodeCursor<EventCursor>(deps.cursorSecret, tenant, binding, page.cursor) : undefined;
  const settings = await effectiveSettings(deps, tenant);
  const plan = planEventQuery({ tenant, filter, shards: settings.shards, retentionDays: settings.retentionDays, now: Date.now() });
  const result = await readPage(plan, { limit: page.limit, before: resume?.b, maxScanned: LIMITS.maxItemsScannedPerPage }, deps.eventStore.queryPartition);
  return {
    events: result.items.map(fromItem),
    nextCursor: result.next === undefined ? null : encodeCursor(deps.cursorSecret, tenant, binding, { b: result.next } satisfies EventCursor),
    scanned: result.scanned,
  };
}

/** What catching up needs besides {@link ListDeps}: the ascending reads. */
export interface CatchUpDeps extends SettingsSources {
  readonly eventStore: Pick<EventStore, 'queryAscending' | 'queryLate'>;
  readonly cursorSecret: string;
}

/**
 * `GET /v1/events?receivedFrom=`: one page of `tenant`'s events received at or after
 * `receivedFrom` that match `filter` (and the caller's restriction), oldest first by
 * `receivedAt` (core/catch-up.ts).
 */
export async function catchUpEvents(deps: CatchUpDeps, tenant: string, requested: Omit<EventFilter, 'from' | 'to' | 'range'>, receivedFrom: string, page: { limit: number; cursor?: string }, restrict?: Restriction): Promise<EventPage> {
  const filter = restrictFilter(requested, restrict);
  if (!filter) return { events: [], nextCursor: null };
  const binding = `received:${receivedFrom}:${canonicalFilter(filter)}`;
  const at = page.cursor ? decodeCursor<CatchUpPosition>(deps.cursorSecret, tenant, binding, page.cursor) : startPosition(receivedFrom);
  const settings = await effectiveSettings(deps, tenant);
  const now = Date.now();
  const plan = planEventQuery({ tenant, filter, shards: settings.shards, retentionDays: settings.retentionDays, now });
  const conditions = filterConditions(tenant, filter);
  conditions.push({ attr: TTL_ATTRIBUTE, op: 'gt', value: Math.floor(now / 1000) });
  const lateFilter = toFilterExpression(conditions);
  const result = await readReceivedPage({
    timeline: (after) => scanAscending(plan, after, deps.eventStore.queryAscending),
    late: (after) => deps.eventStore.queryLate(tenant, after, lateFilter),
  }, at, page.limit);
  return {
    events: result.events,
    nextCursor: result.next ? encodeCursor(deps.cursorSecret, tenant, binding, result.next) : null,
  };
}
