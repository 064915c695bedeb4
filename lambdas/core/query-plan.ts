/**
 * Query planning: turns validated filters into one indexed Query per partition
 * plus a filter expression for the rest. The most selective indexed filter
 * picks the index (actor, then resource id, then project); without one, the
 * tenant timeline is read across its write shards. Retention is a key
 * condition (a lower bound on `s`), so expired events are never read, let
 * alone returned. Pure, no AWS SDK: expressions are plain strings.
 */
import { actorPk, INDEX, type IndexName, projectPk, resourcePk, timelinePk } from './keys.js';
import { type EventFilter, rangeMs } from './schemas.js';

/** A filter expression with its placeholders. */
export interface FilterExpression {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Record<string, unknown>;
}

/** What to read: the same key range of one index over one or more partitions. */
export interface QueryPlan {
  readonly index: IndexName;
  /** Partition-key values; more than one means a k-way merge (timeline shards). */
  readonly partitions: readonly string[];
  /** Inclusive bounds on the sort key `s`. */
  readonly lo: string;
  readonly hi: string;
  readonly filter?: FilterExpression;
}

export interface PlanInput {
  readonly tenant: string;
  readonly filter: EventFilter;
  /** Timeline shards to read: every shard count ever used for this tenant. */
  readonly shards: number;
  readonly retentionDays: number;
  readonly now: number;
}

/** Sorts after every `{occurredAt}#{id}` that starts with the same timestamp. */
const AFTER = '#\uffff';

/** The oldest `occurredAt` a tenant may still see. */
export const retentionStart = (now: number, retentionDays: number): string => new Date(now - retentionDays * 86_400_000).toISOString();

/** Plans the read for `filter`; see the module comment. */
export function planEventQuery({ tenant, filter, shards, retentionDays, now }: PlanInput): QueryPlan {
  const oldest = retentionStart(now, retentionDays);
  const from = filter.range ? new Date(now - rangeMs(filter.range)).toISOString() : filter.from;
  const lo = from && from > oldest ? from : oldest;
  const hi = (filter.to ?? '9999-12-31T23:59:59.999Z') + AFTER;

  const conditions: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const eq = (attr: string, value: unknown) => {
    names[`#${attr}`] = attr;
    values[`:${attr}`] = value;
    conditions.push(`#${attr} = :${attr}`);
  };

  let index: IndexName;
  let partitions: string[];
  if (filter.actor) {
    index = INDEX.byActor;
    partitions = [actorPk(tenant, filter.actor)];
  } else if (filter.resourceId) {
    index = INDEX.byResource;
    partitions = [resourcePk(tenant, filter.resourceId)];
  } else if (filter.project) {
    index = INDEX.byProject;
    partitions = [projectPk(tenant, filter.project)];
  } else {
    index = INDEX.byTime;
    partitions = Array.from({ length: shards }, (_, shard) => timelinePk(tenant, shard));
  }
  // Indexed filters not used as the index become filter conditions.
  if (filter.resourceId && index !== INDEX.byResource) eq('rp', resourcePk(tenant, filter.resourceId));
  if (filter.project && index !== INDEX.byProject) eq('pp', projectPk(tenant, filter.project));
  if (filter.category) eq('ca', filter.category);
  if (filter.actorEmail) eq('ae', filter.actorEmail.toLowerCase());
  if (filter.resourceType) eq('rt', filter.resourceType);
  if (filter.result) eq('re', filter.result);
  if (filter.severity) eq('se', filter.severity);
  if (filter.action?.length) {
    names['#ac'] = 'ac';
    const alternatives = filter.action.map((action, i) => {
      const prefix = action.endsWith('.*');
      values[`:ac${i}`] = prefix ? action.slice(0, -1) : action;
      return prefix ? `begins_with(#ac, :ac${i})` : `#ac = :ac${i}`;
    });
    conditions.push(alternatives.length > 1 ? `(${alternatives.join(' OR ')})` : alternatives[0]!);
  }
  if (filter.q) {
    names['#x'] = 'x';
    values[':q'] = filter.q.toLowerCase();
    conditions.push('contains(#x, :q)');
  }
  // TTL deletes lazily (up to ~48 h late); items past their own expiry are never returned.
  names['#exp'] = 'expiresAt';
  values[':now'] = Math.floor(now / 1000);
  conditions.push('#exp > :now');

  return { index, partitions, lo, hi, filter: { expression: conditions.join(' AND '), names, values } };
}

/** Canonical form of a filter, for binding cursors to it (order-independent). */
export function canonicalFilter(filter: Record<string, unknown>): string {
  const entries = Object.entries(filter)
    .filter(([k, v]) => v !== undefined && k !== 'limit' && k !== 'cursor')
    .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}
