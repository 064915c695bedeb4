/**
 * Query planning: turns validated filters into one indexed Query per partition
 * plus a filter expression for the rest. The most selective indexed filter
 * picks the index (actor, then resource id, then project); without one, the
 * tenant timeline is read across its write shards. Retention is a key
 * condition (a lower bound on `s`), so expired events are never read, let
 * alone returned. Pure, no AWS SDK: expressions are plain strings.
 */
import { actorPk, INDEX, INDEX_KEY, type IndexName, projectPk, resourcePk, timelinePk, TTL_ATTRIBUTE } from './keys.js';
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

/**
 * One condition on a stored item's attribute, with DynamoDB's semantics: `eq` string equality,
 * `oneOf` any of equalities and prefixes (`begins_with`), `contains` a substring, `gt` a number
 * above. The query path turns them into a filter expression ({@link toFilterExpression}); the
 * live stream evaluates the very same list on stored items ({@link matchesConditions}): one
 * definition of what a filter means.
 */
export type Condition =
  | { readonly attr: string; readonly op: 'eq'; readonly value: string }
  | { readonly attr: string; readonly op: 'oneOf'; readonly values: readonly { readonly value: string; readonly prefix: boolean }[] }
  | { readonly attr: string; readonly op: 'contains'; readonly value: string }
  | { readonly attr: string; readonly op: 'gt'; readonly value: number };

/**
 * The conditions an item of `tenant` must meet to match `filter`, except its time window
 * (`from`, `to`, `range`: a key range on the query path). Indexed filters are conditions on
 * their index keys (`ap`, `rp`, `pp`), so a query may drop the one its index already applies.
 */
export function filterConditions(tenant: string, filter: Omit<EventFilter, 'from' | 'to' | 'range'>): Condition[] {
  const conditions: Condition[] = [];
  const eq = (attr: string, value: string) => conditions.push({ attr, op: 'eq', value });
  if (filter.actor) eq(INDEX_KEY.byActor, actorPk(tenant, filter.actor));
  if (filter.resourceId) eq(INDEX_KEY.byResource, resourcePk(tenant, filter.resourceId));
  if (filter.project) eq(INDEX_KEY.byProject, projectPk(tenant, filter.project));
  if (filter.category) eq('ca', filter.category);
  if (filter.actorEmail) eq('ae', filter.actorEmail.toLowerCase());
  if (filter.resourceType) eq('rt', filter.resourceType);
  if (filter.result) eq('re', filter.result);
  if (filter.severity) eq('se', filter.severity);
  if (filter.action?.length) {
    const values = filter.action.map((action) => (action.endsWith('.*') ? { value: action.slice(0, -1), prefix: true } : { value: action, prefix: false }));
    conditions.push({ attr: 'ac', op: 'oneOf', values });
  }
  if (filter.q) conditions.push({ attr: 'x', op: 'contains', value: filter.q.toLowerCase() });
  return conditions;
}

/** `conditions` as a DynamoDB filter expression (ANDed), with its placeholders. */
export function toFilterExpression(conditions: readonly Condition[]): FilterExpression {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const terms = conditions.map((c) => {
    const name = `#${c.attr}`;
    names[name] = c.attr;
    switch (c.op) {
      case 'eq':
        values[`:${c.attr}`] = c.value;
        return `${name} = :${c.attr}`;
      case 'gt':
        values[`:${c.attr}`] = c.value;
        return `${name} > :${c.attr}`;
      case 'contains':
        values[`:${c.attr}`] = c.value;
        return `contains(${name}, :${c.attr})`;
      case 'oneOf': {
        const alternatives = c.values.map(({ value, prefix }, i) => {
          values[`:${c.attr}${i}`] = value;
          return prefix ? `begins_with(${name}, :${c.attr}${i})` : `${name} = :${c.attr}${i}`;
        });
        return alternatives.length > 1 ? `(${alternatives.join(' OR ')})` : alternatives[0]!;
      }
    }
  });
  return { expression: terms.join(' AND '), names, values };
}

/** Whether a stored item (attribute name → value) meets every condition, as DynamoDB would decide. */
export function matchesConditions(item: object, conditions: readonly Condition[]): boolean {
  return conditions.every((c) => {
    const actual = (item as Record<string, unknown>)[c.attr];
    switch (c.op) {
      case 'eq':
        return actual === c.value;
      case 'gt':
        return typeof actual === 'number' && actual > c.value;
      case 'contains':
        return typeof actual === 'string' && actual.includes(c.value);
      case 'oneOf':
        return typeof actual === 'string' && c.values.some(({ value, prefix }) => (prefix ? actual.startsWith(value) : actual === value));
    }
  });
}

/** Plans the read for `filter`; see the module comment. */
export function planEventQuery({ tenant, filter, shards, retentionDays, now }: PlanInput): QueryPlan {
  const oldest = retentionStart(now, retentionDays);
  const from = filter.range ? new Date(now - rangeMs(filter.range)).toISOString() : filter.from;
  const lo = from && from > oldest ? from : oldest;
  const hi = (filter.to ?? '9999-12-31T23:59:59.999Z') + AFTER;

  // The most selective indexed filter picks the index; the others stay conditions.
  const [index, partitions]: [IndexName, string[]] = filter.actor ? [INDEX.byActor, [actorPk(tenant, filter.actor)]]
    : filter.resourceId ? [INDEX.byResource, [resourcePk(tenant, filter.resourceId)]]
    : filter.project ? [INDEX.byProject, [projectPk(tenant, filter.project)]]
    : [INDEX.byTime, Array.from({ length: shards }, (_, shard) => timelinePk(tenant, shard))];
  const conditions = filterConditions(tenant, filter).filter((c) => c.attr !== INDEX_KEY[index]);
  // TTL deletes lazily (up to ~48 h late); items past their own expiry are never returned.
  conditions.push({ attr: TTL_ATTRIBUTE, op: 'gt', value: Math.floor(now / 1000) });

  return { index, partitions, lo, hi, filter: toFilterExpression(conditions) };
}

/** Canonical form of a filter, for binding cursors to it (order-independent). */
export function canonicalFilter(filter: Record<string, unknown>): string {
  const entries = Object.entries(filter)
    .filter(([k, v]) => v !== undefined && k !== 'limit' && k !== 'cursor')
    .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(entries);
}
