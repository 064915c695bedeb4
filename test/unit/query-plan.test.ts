/**
 * Query planning (lambdas/core/query-plan.ts): which index and partitions to
 * read, the key range on `s` (retention and time window), and the filter
 * expression for everything else.
 */
import { describe, expect, it } from 'vitest';
import { sortKey } from '../../lambdas/core/keys.js';
import { canonicalFilter, type PlanInput, planEventQuery, type QueryPlan, retentionStart } from '../../lambdas/core/query-plan.js';
import type { EventFilter } from '../../lambdas/core/schemas.js';

const NOW = Date.parse('2026-11-22T09:15:00.000Z');
const DAY = 86_400_000;
const plan = (filter: EventFilter, extra: Partial<PlanInput> = {}): QueryPlan => planEventQuery({ tenant: 'acme', filter, shards: 4, retentionDays: 30, now: NOW, ...extra });
const iso = (ms: number): string => new Date(ms).toISOString();

/** Every placeholder the expression uses is defined, and every definition is used (DynamoDB rejects both mistakes). */
function expectConsistentPlaceholders(p: QueryPlan): void {
  const { expression, names, values } = p.filter!;
  const usedNames = new Set(expression.match(/#[A-Za-z0-9_]+/g));
  const usedValues = new Set(expression.match(/:[A-Za-z0-9_]+/g));
  expect([...usedNames].sort()).toEqual(Object.keys(names).sort());
  expect([...usedValues].sort()).toEqual(Object.keys(values).sort());
  // The Query adds its own key placeholders; the filter must not collide with them.
  for (const reserved of ['#pk', '#s']) expect(names).not.toHaveProperty(reserved);
  for (const reserved of [':pk', ':lo', ':hi']) expect(values).not.toHaveProperty(reserved);
}

describe('planEventQuery — index and partitions', () => {
  it('reads the timeline across every shard when no indexed filter is given', () => {
    // Act
    const p = plan({}, { shards: 6 });

    // Assess
    expect(p.index).toBe('byTime');
    expect(p.partitions).toEqual(['acme#0', 'acme#1', 'acme#2', 'acme#3', 'acme#4', 'acme#5']);
  });

  it.each([
    ['actor beats resourceId and project', { actor: 'u_42', resourceId: 'p_7', project: 'ws_1' }, 'byActor', 'acme#u_42'],
    ['resourceId beats project', { resourceId: 'p_7', project: 'ws_1' }, 'byResource', 'acme#p_7'],
    ['project alone', { project: 'ws_1' }, 'byProject', 'acme#ws_1'],
  ])('%s', (_what, filter, index, partition) => {
    // Act
    const p = plan(filter);

    // Assess
    expect(p.index).toBe(index);
    expect(p.partitions).toEqual([partition]);
  });

  it('indexed filters not used as the index become filter conditions', () => {
    // Act
    const p = plan({ actor: 'u_42', resourceId: 'p_7', project: 'ws_1' });

    // Assess
    expect(p.filter!.expression).toContain('#rp = :rp');
    expect(p.filter!.expression).toContain('#pp = :pp');
    expect(p.filter!.values).toMatchObject({ ':rp': 'acme#p_7', ':pp': 'acme#ws_1' });
    expectConsistentPlaceholders(p);
  });

  it('the index key is not repeated as a filter condition', () => {
    // Act
    const p = plan({ resourceId: 'p_7' });

    // Assess
    expect(p.filter!.expression).not.toContain('#rp');
  });
});

describe('planEventQuery — key range', () => {
  it('without a window, reads from the retention start to the end of time', () => {
    // Act
    const p = plan({});

    // Assess
    expect(p.lo).toBe(iso(NOW - 30 * DAY));
    expect(p.lo).toBe(retentionStart(NOW, 30));
    expect(p.hi > sortKey('9999-12-31T23:59:59.998Z', 'zzzz')).toBe(true);
  });

  it('the retention bound beats an older `from`', () => {
    // Act
    const p = plan({ from: iso(NOW - 400 * DAY) }, { retentionDays: 90 });

    // Assess
    expect(p.lo).toBe(iso(NOW - 90 * DAY));
  });

  it('a `from` inside retention is the lower bound', () => {
    // Act
    const p = plan({ from: '2026-11-20T00:00:00.000Z' });

    // Assess
    expect(p.lo).toBe('2026-11-20T00:00:00.000Z');
  });

  it.each([
    ['24h', 1],
    ['7d', 7],
    ['30d', 30],
  ] as const)('range %s reads the last %i day(s)', (range, days) => {
    // Act
    const p = plan({ range }, { retentionDays: 365 });

    // Assess
    expect(p.lo).toBe(iso(NOW - days * DAY));
  });

  it('a range longer than retention is cut to retention', () => {
    // Act
    const p = plan({ range: '30d' }, { retentionDays: 7 });

    // Assess
    expect(p.lo).toBe(iso(NOW - 7 * DAY));
  });

  it('the range is inclusive of events exactly at `from` and exactly at `to`, whatever their id', () => {
    // Prepare
    const from = '2026-11-20T00:00:00.000Z';
    const to = '2026-11-21T00:00:00.000Z';

    // Act
    const p = plan({ from, to });

    // Assess
    for (const id of ['0', 'ZZZZZZZZZZZZZZZZZZZZZZZZZZ', 'a.b:c-d_e', '~']) {
      expect(sortKey(from, id) >= p.lo && sortKey(from, id) <= p.hi).toBe(true);
      expect(sortKey(to, id) >= p.lo && sortKey(to, id) <= p.hi).toBe(true);
    }
    expect(sortKey('2026-11-21T00:00:00.001Z', '0') > p.hi).toBe(true);
    expect(sortKey('2026-11-19T23:59:59.999Z', 'z') < p.lo).toBe(true);
  });
});

describe('planEventQuery — filter expression', () => {
  it('always excludes items past their own expiry, even without filters', () => {
    // Act
    const p = plan({});

    // Assess
    expect(p.filter).toEqual({ expression: '#expiresAt > :expiresAt', names: { '#expiresAt': 'expiresAt' }, values: { ':expiresAt': Math.floor(NOW / 1000) } });
  });

  it('an action prefix becomes begins_with on the prefix including its dot', () => {
    // Act
    const p = plan({ action: ['project.*'] });

    // Assess
    expect(p.filter!.expression).toContain('begins_with(#ac, :ac0)');
    expect(p.filter!.values[':ac0']).toBe('project.');
    expectConsistentPlaceholders(p);
  });

  it('several actions are alternatives (OR), grouped apart from the other conditions (AND)', () => {
    // Act
    const p = plan({ action: ['project.*', 'auth.signed_in'], result: 'failure' });

    // Assess
    expect(p.filter!.expression).toBe('#re = :re AND (begins_with(#ac, :ac0) OR #ac = :ac1) AND #expiresAt > :expiresAt');
    expect(p.filter!.values).toMatchObject({ ':ac0': 'project.', ':ac1': 'auth.signed_in', ':re': 'failure' });
    expectConsistentPlaceholders(p);
  });

  it('q and actorEmail are matched lower-cased (the stored attributes are lower-cased)', () => {
    // Act
    const p = plan({ q: 'Household SURVEY', actorEmail: 'Ada@Example.COM' });

    // Assess
    expect(p.filter!.expression).toContain('contains(#x, :x)');
    expect(p.filter!.values).toMatchObject({ ':x': 'household survey', ':ae': 'ada@example.com' });
  });

  it('every filter at once yields one consistent expression', () => {
    // Act
    const p = plan({
      actor: 'u_42', resourceId: 'p_7', project: 'ws_1', category: 'project', actorEmail: 'a@b.co', resourceType: 'project',
      result: 'success', severity: 'warning', action: ['project.*', 'project.updated'], q: 'x', from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z',
    });

    // Assess
    expectConsistentPlaceholders(p);
    expect(p.filter!.values).toMatchObject({ ':ca': 'project', ':rt': 'project', ':re': 'success', ':se': 'warning' });
    expect(p.filter!.expression.split(' AND ')).toHaveLength(10);
  });
});

describe('canonicalFilter', () => {
  it('is independent of key order and of the order of repeated values', () => {
    // Act
    const a = canonicalFilter({ actor: 'u_42', action: ['b.*', 'a.x'], result: 'failure' });
    const b = canonicalFilter({ result: 'failure', action: ['a.x', 'b.*'], actor: 'u_42' });

    // Assess
    expect(a).toBe(b);
  });

  it('ignores paging parameters and absent values', () => {
    // Act
    const a = canonicalFilter({ actor: 'u_42', limit: 10, cursor: 'abc', q: undefined });
    const b = canonicalFilter({ actor: 'u_42', limit: 200 });

    // Assess
    expect(a).toBe(b);
  });

  it('differs when any filter value differs', () => {
    // Prepare
    const reference = canonicalFilter({ actor: 'u_42', action: ['a.x'] });

    // Act
    const variants = [
      canonicalFilter({ actor: 'u_43', action: ['a.x'] }),
      canonicalFilter({ actor: 'u_42', action: ['a.x', 'b.y'] }),
      canonicalFilter({ actor: 'u_42' }),
      canonicalFilter({ actor: 'u_42', action: ['a.x'], category: 'auth' }),
      canonicalFilter({ actorEmail: 'u_42', action: ['a.x'] }),
    ];

    // Assess
    expect(new Set([reference, ...variants]).size).toBe(variants.length + 1);
  });

  it('does not mutate the filter it canonicalises', () => {
    // Prepare
    const filter = { action: ['b.*', 'a.x'] };

    // Act
    canonicalFilter(filter);

    // Assess
    expect(filter.action).toEqual(['b.*', 'a.x']);
  });
});
