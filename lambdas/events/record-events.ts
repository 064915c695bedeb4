/**
 * Recording events for a tenant: the ingest rules (core/ingest.ts) with the
 * tenant's settings, then an idempotent write. Used by the ingest route; the
 * routes that audit themselves use `auditItem` (audit-item.ts).
 */
import type { EventStore } from '../adapters/event-store.js';
import { parseClient } from '../core/client-info.js';
import { parseIngestBody, prepareEvents } from '../core/ingest.js';
import { eventPk } from '../core/keys.js';
import { MetricUnit, metrics } from '../shared/observability.js';
import type { SettingsSources } from '../settings/effective-settings.js';
import { ingestContext } from './audit-item.js';

/** Response of POST /v1/events. */
export interface RecordResult {
  accepted: number;
  skipped: number;
  /** Events whose id was already stored (re-sends): accepted, not written again. */
  duplicates: number;
  ids: string[];
}

/**
 * Validates a POST /v1/events body against the schema and the tenant's window
 * (one 400 listing every problem), then records it. Re-sending is idempotent,
 * so a failed request can simply be retried.
 */
export async function recordEvents(deps: SettingsSources & { readonly eventStore: Pick<EventStore, 'putEvents'> }, tenant: string, body: unknown): Promise<RecordResult> {
  const ctx = await ingestContext(deps, tenant);
  const inputs = parseIngestBody(body, ctx);
  const { events, items, skipped } = prepareEvents(tenant, inputs, { ...ctx, parseClient });
  // Server ULIDs (128 bits, 80 random) are new by construction; only ids a client chose can be re-sends.
  const clientIds = new Set(inputs.flatMap((input) => (input.id ? [eventPk(tenant, input.id)] : [])));
  const { written, duplicates } = await deps.eventStore.putEvents(items, (item) => clientIds.has(item.pk));
  metrics.addMetric('EventsIngested', MetricUnit.Count, written.length);
  if (duplicates) metrics.addMetric('EventsDuplicate', MetricUnit.Count, duplicates);
  if (skipped) metrics.addMetric('EventsSkipped', MetricUnit.Count, skipped);
  return { accepted: items.length, skipped, duplicates, ids: events.map((e) => e.id) };
}
