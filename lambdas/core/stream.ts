/**
 * The live stream's rules, pure (no AWS SDK): the messages a client may send and
 * their answers, single-use tickets, and the fan-out of stored events to the
 * subscriptions of a tenant's open connections. What a subscription matches is the
 * query path's own definition (query-plan.ts `filterConditions`), ANDed with the
 * connection's token restriction.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import type { AuditEvent } from './event.js';
import type { EventItem } from './keys.js';
import { type Condition, filterConditions, matchesConditions } from './query-plan.js';
import { restrictFilter } from './restrictions.js';
import { type Restriction, type StreamFilter, streamFilterSchema, toDetails } from './schemas.js';

/** Seconds a stream ticket may be used in (once). */
export const TICKET_TTL_SECONDS = 60;
/** The largest message API Gateway sends to a WebSocket client (128 KB); a bigger event goes as `event_ref`. */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** Subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS = 20;
/** API Gateway closes a WebSocket connection after 2 hours; its records expire a little later. */
export const CONNECTION_TTL_SECONDS = 2 * 3600 + 300;

/** A new ticket: the secret the client gets (in the URL) and the hash that is stored. */
export function newTicket(): { ticket: string; hash: string } {
  const ticket = randomBytes(32).toString('base64url');
  return { ticket, hash: ticketHash(ticket) };
}

/** Only the hash of a ticket is stored, like a token's: a table read does not yield a usable ticket. */
export const ticketHash = (ticket: string): string => createHash('sha256').update(ticket).digest('base64url');

/** A ticket's shape (43 base64url characters); anything else is refused without a lookup. */
export const TICKET = /^[A-Za-z0-9_-]{43}$/;

const subscriptionId = v.pipe(v.string('must be a string'), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . : -'));

/** What a client may send, by `action`. */
export const clientMessageSchema = v.variant('action', [
  v.strictObject({ action: v.literal('subscribe'), id: subscriptionId, filters: v.optional(streamFilterSchema, {}) }, 'is not a known field'),
  v.strictObject({ action: v.literal('unsubscribe'), id: subscriptionId }, 'is not a known field'),
  v.strictObject({ action: v.literal('ping') }, 'is not a known field'),
], 'must be one of subscribe, unsubscribe, ping');
export type ClientMessage = v.InferOutput<typeof clientMessageSchema>;

/** The error frame for a bad message; the connection stays open. */
export function errorFrame(message: string, details?: { path: string; message: string }[]): string {
  return JSON.stringify({ type: 'error', error: { code: 'validation_error', message, ...(details ? { details } : {}) } });
}

/** Parses a client's text frame; a bad one gives the error frame to send back. */
export function parseClientMessage(text: string | undefined): { message: ClientMessage } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    return { error: errorFrame('The message is not valid JSON.', [{ path: '(body)', message: 'must be a JSON object' }]) };
  }
  const parsed = v.safeParse(clientMessageSchema, value);
  if (!parsed.success) return { error: errorFrame('The message is invalid.', toDetails(parsed.issues)) };
  return { message: parsed.output };
}

/** An open connection as fan-out sees it: its token's restriction and its subscriptions' filters. */
export interface StreamConnection {
  readonly connectionId: string;
  readonly restrict?: Restriction;
  readonly subscriptions: Readonly<Record<string, StreamFilter>>;
  /** Delivery keys already sent by an attempt that then failed: a retried batch skips them. */
  readonly sent?: ReadonlySet<string>;
}

/** A stored event with its item (the attributes filters are evaluated on). */
export interface StoredEvent {
  readonly tenant: string;
  readonly item: EventItem;
  readonly event: AuditEvent;
}

/** One message for one connection. */
export interface Delivery {
  readonly connectionId: string;
  readonly data: string;
  /** `{subscription}|{event id}`: what makes a delivery the same one when a batch is retried. */
  readonly key: string;
}

/**
 * The messages `events` (all of one tenant, in storage order) make for `connections` (that
 * tenant's): one per matching subscription, in event order per connection. A message over
 * {@link MAX_MESSAGE_BYTES} becomes an `event_ref` (id and occurredAt: the client fetches it).
 * Deliveries in a connection's `sent` are skipped.
 */
export function fanOut(tenant: string, events: readonly StoredEvent[], connections: readonly StreamConnection[]): Delivery[] {
  const subscriptions = connections.flatMap((c) =>
    Object.entries(c.subscriptions).flatMap(([id, filter]) => {
      const restricted = restrictFilter(filter, c.restrict);
      // A filter that contradicts the restriction matches nothing.
      return restricted ? [{ connectionId: c.connectionId, id, sent: c.sent, conditions: filterConditions(tenant, restricted) as readonly Condition[] }] : [];
    }));
  const out: Delivery[] = [];
  for (const e of events) {
    if (e.tenant !== tenant) continue; // never another tenant's event, whatever the caller passed
    let json: string | undefined;
    for (const s of subscriptions) {
      if (!matchesConditions(e.item, s.conditions)) continue;
      const key = `${s.id}|${e.event.id}`;
      if (s.sent?.has(key)) continue; // sent by an attempt of this batch that failed afterwards
      json ??= JSON.stringify(e.event);
      const data = `{"type":"event","subscription":${JSON.stringify(s.id)},"event":${json}}`;
      out.push({
        connectionId: s.connectionId,
        key,
        data: Buffer.byteLength(data) <= MAX_MESSAGE_BYTES ? data : JSON.stringify({ type: 'event_ref', subscription: s.id, id: e.event.id, occurredAt: e.event.occurredAt }),
      });
    }
  }
  return out;
}

/** The tenant and event id of an Events table key `pk` (`{tenant}#{id}`; ids never hold `#`). */
export function splitEventPk(pk: string): { tenant: string; id: string } | undefined {
  const at = pk.lastIndexOf('#');
  return at > 0 ? { tenant: pk.slice(0, at), id: pk.slice(at + 1) } : undefined;
}
