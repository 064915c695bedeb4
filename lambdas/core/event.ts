/**
 * The event model: turns a validated input into the stored/returned event
 * (server id, timestamps, derived category, client, changed fields, message).
 * Pure functions, no AWS SDK.
 */
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulidx';
import type { EventInput } from './schemas.js';

/** Browser / OS / device derived from the user agent (core/client-info.ts). */
export interface ClientInfo {
  browser?: string;
  os?: string;
  device: string;
}

/** An event as stored and returned by the API (contract: Events). */
export interface AuditEvent {
  id: string;
  occurredAt: string;
  receivedAt: string;
  action: string;
  category: string;
  actor: EventInput['actor'];
  resource?: EventInput['resource'];
  project?: string;
  ip?: string;
  userAgent?: string;
  client?: ClientInfo;
  result: EventInput['result'];
  severity: EventInput['severity'];
  message: string;
  changes?: { before?: Record<string, unknown>; after?: Record<string, unknown>; fields: string[] };
  metadata?: Record<string, unknown>;
}

/**
 * Randomness for server ULIDs from a pooled CSPRNG buffer: ulidx's default asks
 * `crypto` for one byte per character, which showed up at ~13 % of ingest CPU.
 * A byte maps to one of the 32 base-32 characters without bias (byte >> 3).
 */
let pool = Buffer.alloc(0);
let poolAt = 0;
const pooledRandom = (): number => {
  if (poolAt >= pool.length) (pool = randomBytes(4096)), (poolAt = 0);
  return (pool[poolAt++]! >> 3) / 32;
};

/** Top-level fields whose values differ between `before` and `after` (added, removed or changed), sorted. */
export function changedFields(before: Record<string, unknown> = {}, after: Record<string, unknown> = {}): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => stableJson(before[k]) !== stableJson(after[k])).sort();
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` compare equal. */
export function stableJson(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
}

/** "Ada updated project Household survey" from the actor, action and resource. */
export function describe(input: Pick<EventInput, 'action' | 'actor' | 'resource' | 'result'>): string {
  const who = input.actor.name ?? input.actor.email ?? input.actor.id;
  const last = input.action.split('.').pop()!;
  const what = input.resource ? ` ${input.resource.type} ${input.resource.name ?? input.resource.id}` : '';
  // "updated", "signed_in" read as sentences; other verbs are quoted as the action.
  const sentence = /ed(_|$)/.test(last) ? `${who} ${last.replace(/_/g, ' ')}${what}` : `${who} performed ${input.action}${what}`;
  return input.result === 'success' ? sentence : `${sentence} (${input.result.replace('_', ' ')})`;
}

/** Derives the client from a user agent; see core/client-info.ts (kept apart: the parser is ~20 KB of every bundle that imports it). */
export type ClientParser = (userAgent: string | undefined) => ClientInfo | undefined;

/**
 * Builds the stored event from a validated input received at `receivedAt`. An input with a
 * `userAgent` needs `parseClient` (ingest passes it; the API's own audit events have none).
 */
export function toAuditEvent(input: EventInput, receivedAt: string, parseClient?: ClientParser): AuditEvent {
  if (input.userAgent && !parseClient) throw new Error('toAuditEvent: an event with a userAgent needs a client parser');
  // Built in the contract's field order, so stored and returned JSON reads naturally.
  const event = {
    id: input.id ?? ulid(Date.parse(receivedAt), pooledRandom),
    occurredAt: input.occurredAt ?? receivedAt,
    receivedAt,
    action: input.action,
    category: input.category ?? input.action.split('.')[0]!,
    actor: input.actor,
    resource: input.resource,
    project: input.project,
    ip: input.ip,
    userAgent: input.userAgent,
    client: parseClient?.(input.userAgent),
    result: input.result,
    severity: input.severity,
    message: input.message ?? describe(input),
    changes: input.changes && { ...input.changes, fields: changedFields(input.changes.before, input.changes.after) },
    metadata: input.metadata,
  };
  // Absent optional fields are left out, not stored as undefined.
  return Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined)) as unknown as AuditEvent;
}
