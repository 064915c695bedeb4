/**
 * Listing events: plan the indexed read, resume from a signed cursor, read one
 * (possibly partial) page, sign the next cursor.
 */
import type { EventStore } from '../adapters/event-store.js';
import { decodeCursor, encodeCursor } from '../core/cursor.js';
import type { AuditEvent } from '../core/event.js';
import { fromItem } from '../core/keys.js';
import { LIMITS } from '../core/limits.js';
import { readPage } from '../core/paging.js';
import { canonicalFilter, planEventQuery } from '../core/query-plan.js';
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
