/**
 * Recording events: validate against the tenant's window, build the stored
 * items, honour recording switches, write idempotently. Used by the ingest
 * route and by the routes that audit themselves (tokens, settings).
 */
import { putEvents } from '../adapters/event-store.js';
import { recordShardCount } from '../adapters/settings-store.js';
import { type ErrorDetail, ValidationError } from '../core/errors.js';
import { type AuditEvent, toAuditEvent } from '../core/event.js';
import { type EventItem, toItem } from '../core/keys.js';
import { LIMITS } from '../core/limits.js';
import { retentionStart } from '../core/query-plan.js';
import { eventInputSchema, type EventInput, formatPath, ingestBodySchema, toDetails } from '../core/schemas.js';
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

/** Validates a POST /v1/events body (one event or `{events: [...]}`); all problems at once, or the inputs. */
export function parseIngestBody(body: unknown): EventInput[] {
  const shape = ingestBodySchema.safeParse(body);
  if (!shape.success || typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be one event or {"events": [...]} with 1 to 100 events.', shape.success ? [{ path: '(body)', message: 'must be a JSON object' }] : toDetails(shape.error));
  }
  const batch = 'events' in body;
  const raw = batch ? (body as { events: unknown[] }).events : [body];
  const details: ErrorDetail[] = [];
  const inputs: EventInput[] = [];
  raw.forEach((candidate, i) => {
    const parsed = eventInputSchema.safeParse(candidate);
    if (parsed.success) inputs.push(parsed.data);
    else details.push(...toDetails(parsed.error, batch ? ['events', i] : []));
  });
  if (details.length) throw new ValidationError(`The ${batch ? 'batch' : 'event'} was rejected; nothing was stored.`, details);
  return inputs;
}

/** Builds stored events and items; rejects occurrence times outside the tenant's window. */
export function prepareEvents(tenant: string, inputs: EventInput[], settings: EffectiveSettings, options: { force?: boolean; now?: number } = {}) {
  const now = options.now ?? Date.now();
  const receivedAt = new Date(now).toISOString();
  const oldest = retentionStart(now, settings.retentionDays);
  const details: ErrorDetail[] = [];
  inputs.forEach((input, i) => {
    const path = (field: string) => formatPath(inputs.length > 1 ? ['events', i, field] : [field]);
    if (input.occurredAt && Date.parse(input.occurredAt) > now + LIMITS.maxClockSkewMs) details.push({ path: path('occurredAt'), message: 'must not be in the future' });
    if (input.occurredAt && input.occurredAt < oldest) details.push({ path: path('occurredAt'), message: `is older than this tenant's retention of ${settings.retentionDays} days` });
  });
  if (details.length) throw new ValidationError('The batch was rejected; nothing was stored.', details);
  const events: AuditEvent[] = inputs.map((input) => toAuditEvent(input, receivedAt));
  const kept = options.force ? events : events.filter((e) => settings.recording[e.category] !== false);
  const items: EventItem[] = kept.map((e) => toItem(tenant, e, config.shardCount, settings.retentionDays));
  return { events, items, skipped: events.length - kept.length };
}

/** Records validated inputs for `tenant`: all stored (or already there), or an error and nothing half-done worth worrying about (re-sending is idempotent). */
export async function recordEvents(tenant: string, inputs: EventInput[]): Promise<RecordResult> {
  const settings = await effectiveSettings(tenant);
  const { events, items, skipped } = prepareEvents(tenant, inputs, settings);
  // Readers cover every shard count ever used; raise the mark before writing under it.
  if (settings.storedShards < config.shardCount) await recordShardCount(tenant, config.shardCount);
  const { written, duplicates } = await putEvents(items);
  metrics.addMetric('EventsIngested', MetricUnit.Count, written.length);
  if (duplicates.length) metrics.addMetric('EventsDuplicate', MetricUnit.Count, duplicates.length);
  if (skipped) metrics.addMetric('EventsSkipped', MetricUnit.Count, skipped);
  return { accepted: items.length, skipped, duplicates: duplicates.length, ids: events.map((e) => e.id) };
}

/** One audit event about the API itself (tokens, settings), recorded whatever the recording switches say. */
export async function auditItem(tenant: string, input: EventInput): Promise<EventItem> {
  const settings = await effectiveSettings(tenant);
  if (settings.storedShards < config.shardCount) await recordShardCount(tenant, config.shardCount);
  return prepareEvents(tenant, [input], settings, { force: true }).items[0]!;
}
