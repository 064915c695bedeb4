/**
 * Key design of the Events table (see README "Data model").
 *
 * | attribute | value                          | serves                                   |
 * |-----------|--------------------------------|------------------------------------------|
 * | pk        | `{tenant}#{id}`                | get-by-id (one GetItem), idempotency     |
 * | s         | `{occurredAt}#{id}`            | sort key of every index: newest first    |
 * | tp        | `{tenant}#{shard}`             | index byTime: tenant timeline, sharded   |
 * | ap        | `{tenant}#{actorId}`           | index byActor                            |
 * | rp        | `{tenant}#{resourceId}`        | index byResource (sparse)                |
 * | pp        | `{tenant}#{project}`           | index byProject (sparse)                 |
 *
 * The timeline partition is split into `shardCount` write shards (hash of the
 * event id) so one tenant can exceed one partition's 1,000 writes/s. Readers
 * query every shard that was ever written (`max(shardCount, recorded high-water
 * mark)`) and merge, so changing the shard count never hides older events.
 * Pure functions, no AWS SDK.
 */
import { decodeBody, encodeBody } from './body-codec.js';
import type { AuditEvent } from './event.js';

// The names below are shared with the infrastructure: the `EventStore` construct creates the tables and indexes from them.

/** Index names of the Events table. */
export const INDEX = { byTime: 'byTime', byActor: 'byActor', byResource: 'byResource', byProject: 'byProject' } as const;
export type IndexName = (typeof INDEX)[keyof typeof INDEX];
/**
 * The partition-key attribute of each index; they all share the sort key {@link SORT_KEY}.
 * Items without the attribute are absent from that index, so byResource and byProject are sparse.
 */
export const INDEX_KEY: Readonly<Record<IndexName, 'tp' | 'ap' | 'rp' | 'pp'>> = { byTime: 'tp', byActor: 'ap', byResource: 'rp', byProject: 'pp' };
/** Sort key of every Events index: `{occurredAt ISO}#{eventId}`, so a descending Query is newest first. */
export const SORT_KEY = 's';
/** TTL attribute of the Events table (epoch seconds); reads also filter on it, since TTL deletes lag. */
export const TTL_ATTRIBUTE = 'expiresAt';
/** The Control table's TTL attribute (epoch seconds), on short-lived records only: stream tickets and connections. */
export const CONTROL_TTL_ATTRIBUTE = 'ttl';
/**
 * An event is late when it was received more than this after it occurred. Only late events are
 * written to the sparse {@link RECEIVED_INDEX}: catching up by `receivedAt` reads the timeline for
 * on-time events (their `occurredAt` is within this of their `receivedAt`) and that index for the rest.
 */
export const LATE_AFTER_MS = 5 * 60_000;
/** The sparse index of late events, by tenant and `receivedAt` (`lp` = `{tenant}#late`, `ls` = `{receivedAt}#{id}`). */
export const RECEIVED_INDEX = { name: 'byReceived', partitionKey: 'lp', sortKey: 'ls' } as const;
export const latePk = (tenant: string): string => `${tenant}${SEP}late`;

/** The Control table's one global secondary index: a tenant's tokens and exports, newest first. */
export const CONTROL_INDEX = { name: 'byTenant', partitionKey: 'gp', sortKey: 'gs' } as const;

/** A stored Events item (attribute names are short: they are paid for on every item). */
export interface EventItem {
  pk: string;
  s: string;
  tp: string;
  ap: string;
  rp?: string;
  pp?: string;
  /** Filterable attributes. */
  ac: string;
  ca: string;
  re: string;
  se: string;
  rt?: string;
  ae?: string;
  /** Late events only ({@link LATE_AFTER_MS}): their key in {@link RECEIVED_INDEX}. */
  lp?: string;
  ls?: string;
  /** Lower-cased search text for `q`. */
  x: string;
  /** TTL, epoch seconds. */
  expiresAt: number;
  /** The whole event as JSON, deflated when that is smaller (core/body-codec.ts). */
  b: string | Uint8Array;
}

const SEP = '#';

/** FNV-1a 32-bit: a stable, fast, well-spread hash for shard assignment. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export const shardOf = (eventId: string, shardCount: number): number => fnv1a(eventId) % Math.max(1, shardCount);
export const eventPk = (tenant: string, id: string): string => `${tenant}${SEP}${id}`;
export const sortKey = (occurredAt: string, id: string): string => `${occurredAt}${SEP}${id}`;
export const timelinePk = (tenant: string, shard: number): string => `${tenant}${SEP}${shard}`;
export const actorPk = (tenant: string, actorId: string): string => `${tenant}${SEP}${actorId}`;
export const resourcePk = (tenant: string, resourceId: string): string => `${tenant}${SEP}${resourceId}`;
export const projectPk = (tenant: string, project: string): string => `${tenant}${SEP}${project}`;

/** Searchable text for `q`: actor name/email, action, resource name, message. */
export function searchText(e: AuditEvent): string {
  return [e.actor.name, e.actor.email, e.action, e.resource?.name, e.message].filter(Boolean).join('\n').toLowerCase();
}

/** The item stored for `event` of `tenant`, expiring `retentionDays` after it occurred. */
export function toItem(tenant: string, event: AuditEvent, shardCount: number, retentionDays: number): EventItem {
  const json = JSON.stringify(event);
  const item: EventItem = {
    pk: eventPk(tenant, event.id),
    s: sortKey(event.occurredAt, event.id),
    tp: timelinePk(tenant, shardOf(event.id, shardCount)),
    ap: actorPk(tenant, event.actor.id),
    ac: event.action,
    ca: event.category,
    re: event.result,
    se: event.severity,
    x: searchText(event),
    expiresAt: Math.floor(Date.parse(event.occurredAt) / 1000) + retentionDays * 86_400,
    b: encodeBody(json),
  };
  if (event.resource) {
    item.rp = resourcePk(tenant, event.resource.id);
    item.rt = event.resource.type;
  }
  if (event.project) item.pp = projectPk(tenant, event.project);
  if (event.actor.email) item.ae = event.actor.email.toLowerCase();
  if (Date.parse(event.receivedAt) - Date.parse(event.occurredAt) > LATE_AFTER_MS) {
    item.lp = latePk(tenant);
    item.ls = sortKey(event.receivedAt, event.id);
  }
  return item;
}

/** The event held by a stored item. */
export function fromItem(item: Pick<EventItem, 'b'>): AuditEvent {
  return JSON.parse(decodeBody(item.b)) as AuditEvent;
}
