/**
 * Access logs: sign-in events (category `auth`) read newest first through the
 * page reader and grouped by core/access-logs.ts, a page of groups at a time.
 */
import { type AccessGroup, AccessLogGrouper, type AccessLogResume } from '../core/access-logs.js';
import { decodeCursor, encodeCursor } from '../core/cursor.js';
import { fromItem } from '../core/keys.js';
import { readPage } from '../core/paging.js';
import { canonicalFilter, planEventQuery } from '../core/query-plan.js';
import { restrictFilter } from '../core/restrictions.js';
import type { AccessLogsQuery, Restriction } from '../core/schemas.js';
import type { ListDeps } from '../events/list-events.js';
import { effectiveSettings } from '../settings/effective-settings.js';

/** Sign-ins read per request at most before answering with what is complete. */
const MAX_SCANNED = 5_000;
const CHUNK = 200;

export async function listAccessLogs(deps: ListDeps, tenant: string, query: Omit<AccessLogsQuery, 'limit' | 'cursor'>, page: { limit: number; cursor?: string }, restrict?: Restriction): Promise<{ groups: AccessGroup[]; nextCursor: string | null }> {
  // Sign-ins, within the caller's token restriction (one restricted to another category sees none).
  const filter = restrictFilter({ ...query, category: 'auth' }, restrict);
  if (!filter) return { groups: [], nextCursor: null };
  const binding = `access-logs:${canonicalFilter(filter)}`;
  const resume = page.cursor ? decodeCursor<AccessLogResume>(deps.cursorSecret, tenant, binding, page.cursor) : undefined;
  const settings = await effectiveSettings(deps, tenant);
  const plan = planEventQuery({ tenant, filter, shards: settings.shards, retentionDays: settings.retentionDays, now: Date.now() });

  const grouper = new AccessLogGrouper(resume?.x);
  let before = resume?.b;
  let inclusive = resume?.i ?? false;
  let scanned = 0;
  for (;;) {
    const chunk = await readPage(plan, { limit: CHUNK, before, inclusive, maxScanned: MAX_SCANNED - scanned }, deps.eventStore.queryPartition);
    scanned += chunk.scanned;
    for (const item of chunk.items) grouper.add(item.s, fromItem(item));
    before = chunk.next;
    inclusive = false;
    if (before === undefined) grouper.finish();
    if (before === undefined || grouper.readyCount() >= page.limit || scanned >= MAX_SCANNED) break;
  }
  const { groups, resume: next } = grouper.take(page.limit, before);
  return { groups, nextCursor: next ? encodeCursor(deps.cursorSecret, tenant, binding, next) : null };
}
