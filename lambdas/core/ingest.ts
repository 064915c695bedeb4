/**
 * Ingest rules, pure: parse a POST /v1/events body (all-or-nothing, every
 * problem listed), check occurrence times against the tenant's window, build
 * the stored events and items, honour recording switches.
 */
import * as v from 'valibot';
import { type ErrorDetail, ValidationError } from './errors.js';
import { type AuditEvent, type ClientParser, toAuditEvent } from './event.js';
import { type EventItem, toItem } from './keys.js';
import { LIMITS } from './limits.js';
import { retentionStart } from './query-plan.js';
import { batchSchema, eventInputSchema, type EventInput, formatPath, toDetails } from './schemas.js';

/** The tenant's accepted occurrence window. */
export interface IngestWindow {
  readonly retentionDays: number;
  /** Clock, for tests. @default Date.now() */
  readonly now?: number;
  /** Derives `client` from a user agent (core/client-info.ts); needed when inputs carry one. */
  readonly parseClient?: ClientParser;
}

/** Whether a POST /v1/events body is a batch (`{events: [...]}`) rather than one event. */
export const isBatch = (body: unknown): boolean => typeof body === 'object' && body !== null && !Array.isArray(body) && 'events' in body;

/** Problems with `occurredAt` against the tenant's window: not in the future, not past retention. */
function windowProblems(input: EventInput, path: string, window: IngestWindow): ErrorDetail[] {
  if (!input.occurredAt) return [];
  const now = window.now ?? Date.now();
  if (Date.parse(input.occurredAt) > now + LIMITS.maxClockSkewMs) return [{ path, message: 'must not be in the future' }];
  if (input.occurredAt < retentionStart(now, window.retentionDays)) return [{ path, message: `is older than this tenant's retention of ${window.retentionDays} days` }];
  return [];
}

/**
 * Validates a body that is one event or `{events: [...]}` (and, given the
 * tenant's `window`, each `occurredAt`); returns the inputs or throws one 400
 * listing every problem of every event.
 */
export function parseIngestBody(body: unknown, window?: IngestWindow): EventInput[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('The body must be one event or {"events": [...]} with 1 to 100 events.', [{ path: '(body)', message: 'must be a JSON object' }]);
  }
  const batch = isBatch(body);
  let raw: unknown[] = [body];
  if (batch) {
    const envelope = v.safeParse(batchSchema, body);
    if (!envelope.success) throw new ValidationError('The batch was rejected; nothing was stored.', toDetails(envelope.issues));
    raw = envelope.output.events;
  }
  const details: ErrorDetail[] = [];
  const inputs: EventInput[] = [];
  raw.forEach((candidate, i) => {
    const prefix = batch ? ['events', i] : [];
    const parsed = v.safeParse(eventInputSchema, candidate);
    if (!parsed.success) return void details.push(...toDetails(parsed.issues, prefix));
    inputs.push(parsed.output);
    if (window) details.push(...windowProblems(parsed.output, formatPath([...prefix, 'occurredAt']), window));
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
  /** Derives `client` from a user agent (core/client-info.ts); needed when inputs carry one. */
  readonly parseClient?: ClientParser;
}

/** Builds stored events and items for `tenant`; rejects occurrence times outside the tenant's window. */
export function prepareEvents(tenant: string, inputs: readonly EventInput[], ctx: IngestContext): { events: AuditEvent[]; items: EventItem[]; skipped: number } {
  const now = ctx.now ?? Date.now();
  const receivedAt = new Date(now).toISOString();
  // Callers normally checked this in parseIngestBody already; internal callers (audit events) rely on it here.
  const details = inputs.flatMap((input, i) => windowProblems(input, formatPath(inputs.length > 1 ? ['events', i, 'occurredAt'] : ['occurredAt']), { ...ctx, now }));
  if (details.length) throw new ValidationError('The batch was rejected; nothing was stored.', details);
  const events = inputs.map((input) => toAuditEvent(input, receivedAt, ctx.parseClient));
  const kept = ctx.force ? events : events.filter((e) => ctx.recording[e.category] !== false);
  const items = kept.map((e) => toItem(tenant, e, ctx.shardCount, ctx.retentionDays));
  return { events, items, skipped: events.length - kept.length };
}
