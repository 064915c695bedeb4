/**
 * Recording events for a tenant: the ingest rules (core/ingest.ts) with the
 * tenant's settings, then an idempotent write. Used by the ingest route and by
 * the routes that audit themselves (tokens, settings).
 */
import { putEvents } from '../adapters/event-store.js';
import { recordShardCount } from '../adapters/settings-store.js';
import { parseIngestBody, prepareEvents } from '../core/ingest.js';
import { type EventItem, eventPk } from '../core/keys.js';
import type { EventInput } from '../core/schemas.js';
import { config } from '../shared/config.js';
import { MetricUnit, metrics } from '../shared/observability.js';
import { type EffectiveSettings, effectiveSettings } from '../settings/effective-settings.js';

/** Response of POST /v1/events. */
export interface RecordResult {
  accepted: number;
  skipped: number;
  /** Events whose id was already stored (re-sends): accepted, not written again. */
  duplicates: number;
  ids: string[];
}

/** The tenant's ingest context; raises the shard high-water mark before anything is written under a new count. */
async function ingestContext(tenant: string, loaded?: EffectiveSettings) {
  const settings = loaded ?? (await effectiveSettings(tenant));
  if (settings.storedShards < config.shardCount) await recordShardCount(tenant, config.shardCount);
  return { ...settings, shardCount: config.shardCount };
}

/**
 * Validates a POST /v1/events body against the schema and the tenant's window
 * (one 400 listing every problem), then records it. Re-sending is idempotent,
 * so a failed request can simply be retried.
 */
export async function recordEvents(tenant: string, body: unknown): Promise<RecordResult> {
  const ctx = await ingestContext(tenant);
  const inputs = parseIngestBody(body, ctx);
  const { events, items, skipped } = prepareEvents(tenant, inputs, ctx);
  // Server ULIDs (128 bits, 80 random) are new by construction; only ids a client chose can be re-sends.
  const clientIds = new Set(inputs.flatMap((input) => (input.id ? [eventPk(tenant, input.id)] : [])));
  const { written, duplicates } = await putEvents(items, (item) => clientIds.has(item.pk));
  metrics.addMetric('EventsIngested', MetricUnit.Count, written.length);
  if (duplicates) metrics.addMetric('EventsDuplicate', MetricUnit.Count, duplicates);
  if (skipped) metrics.addMetric('EventsSkipped', MetricUnit.Count, skipped);
  return { accepted: items.length, skipped, duplicates, ids: events.map((e) => e.id) };
}

/**
 * The stored item of one audit event about the API itself (tokens, settings), recorded whatever
 * the switches say. Pass `settings` when the caller has already loaded them.
 */
export async function auditItem(tenant: string, input: EventInput, settings?: EffectiveSettings): Promise<EventItem> {
  return prepareEvents(tenant, [input], { ...(await ingestContext(tenant, settings)), force: true }).items[0]!;
}
