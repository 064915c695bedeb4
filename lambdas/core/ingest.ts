/**
 * Ingest rules, pure: parse a POST /v1/events body (all-or-nothing, every
 * problem listed), check occurrence times against the tenant's window, build
 * the stored events and items, honour recording switches.
 */
import * as v from 'valibot';
import { type ErrorDetail, ValidationError } from './errors.js';
import { type AuditEvent, toAuditEvent } from './event.js';
import { type EventItem, toItem } from './keys.js';
import { LIMITS } from './limits.js';
import { retentionStart } from './query-plan.js';
import { batchSchema, eventInputSchema, type EventInput, formatPath, toDetails } from './schemas.js';

/** Validates a body that is one event or `{events: [...]}`; returns the inputs or throws a 400 listing every problem. */
export function parseIngestBody(body: unknown): EventInput[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be one event or {"events": [...]} with 1 to 100 events.', [{ path: '(body)', message: 'must be a JSON object' }]);
  }
  const batch = 'events' in body;
  let raw: unknown[] = [body];
  if (batch) {
    const envelope = v.safeParse(batchSchema, body);
    if (!envelope.success) throw new ValidationError('The batch was rejected; nothing was stored.', toDetails(envelope.issues));
    raw = envelope.output.events;
  }
  const details: ErrorDetail[] = [];
  const inputs: EventInput[] = [];
  raw.forEach((candidate, i) => {
    const parsed = v.safeParse(eventInputSchema, candidate);
    if (parsed.success) inputs.push(parsed.output);
    else details.push(...toDetails(parsed.issues, batch ? ['events', i] : []));
  });
  if (details.length) throw new ValidationError(`The ${batch ? 'batch' : 'event'} was rejected; nothing was stored.`, details);
  return inputs;
}

/** What ingest needs to know about the tenant and the stack. */
export interface IngestContext {
  readonly retentionDays: number;
  readonly recording: Readonly<Record<string, boolean>>;
  /** Current write shard count (stack parameter ShardCount). */
  readonly shardCount: number;
  /** Record even categories switched off (the API's own audit events). @default false */
  readonly force?: boolean;
  /** Clock, for tests. @default Date.now() */
  readonly now?: number;
}

/** Builds stored events and items for `tenant`; rejects occurrence times outside the tenant's window. */
export function prepareEvents(tenant: string, inputs: readonly EventInput[], ctx: IngestContext): { events: AuditEvent[]; items: EventItem[]; skipped: number } {
  const now = ctx.now ?? Date.now();
  const receivedAt = new Date(now).toISOString();
  const oldest = retentionStart(now, ctx.retentionDays);
  const details: ErrorDetail[] = [];
  inputs.forEach((input, i) => {
    const path = formatPath(inputs.length > 1 ? ['events', i, 'occurredAt'] : ['occurredAt']);
    if (input.occurredAt && Date.parse(input.occurredAt) > now + LIMITS.maxClockSkewMs) details.push({ path, message: 'must not be in the future' });
    if (input.occurredAt && input.occurredAt < oldest) details.push({ path, message: `is older than this tenant's retention of ${ctx.retentionDays} days` });
  });
  if (details.length) throw new ValidationError('The batch was rejected; nothing was stored.', details);
  const events = inputs.map((input) => toAuditEvent(input, receivedAt));
  const kept = ctx.force ? events : events.filter((e) => ctx.recording[e.category] !== false);
  const items = kept.map((e) => toItem(tenant, e, ctx.shardCount, ctx.retentionDays));
  return { events, items, skipped: events.length - kept.length };
}
