/**
 * scanAscending (lambdas/core/export-scan.ts): the export reader, oldest first,
 * strictly after a resume key, merging the timeline's write shards.
 *
 * The Query is replaced by an in-memory index with DynamoDB's ascending Query
 * semantics: `s BETWEEN lo AND hi` inclusive (no ExclusiveStartKey: the reader
 * passes its progress as `lo`), pages cut after `pageSize` *evaluated* items
 * (standing in for the 1 MB page), the filter applied after the cut (so a page
 * may hold no items yet carry a LastEvaluatedKey), `lastEvaluated` = sort key of
 * the last evaluated item whether or not the filter kept it, `scanned` = items
 * evaluated. In 'dynamodb' mode a full page always carries `lastEvaluated` (even
 * when nothing follows); in 'precise' mode only when more items remain.
 *
 * The filter is a JS predicate carried inside the plan's FilterExpression values:
 * the reader must pass `plan.filter` through untouched.
 */
import { describe, expect, it } from 'vitest';
import { type AscendingQueryFn, type ScanBatch, scanAscending } from '../../lambdas/core/export-scan.js';
import type { PartitionQuery } from '../../lambdas/core/paging.js';
import type { FilterExpression, QueryPlan } from '../../lambdas/core/query-plan.js';
import { prng, type Rng } from '../../local/prng.js';

interface Row {
  s: string;
  partition: string;
  /** Uniform in [0, 1): a filter with match rate r keeps rows with tag < r. */
  tag: number;
}

type Predicate = (row: Row) => boolean;
type LastKeyMode = 'dynamodb' | 'precise';

const PREDICATE = ':predicate';
const filterOf = (match: Predicate): FilterExpression => ({ expression: 'test predicate', names: {}, values: { [PREDICATE]: match } });
const predicateOf = (filter?: FilterExpression): Predicate | undefined => filter?.values[PREDICATE] as Predicate | undefined;

/** An in-memory index with DynamoDB's ascending Query semantics (see the module comment). */
class FakeIndex {
  readonly calls: Omit<PartitionQuery, 'limit'>[] = [];
  /** Items evaluated over all calls (the sum of ScannedCount). */
  evaluated = 0;
  private readonly partitions = new Map<string, Row[]>();

  /** `pageSize(call)` is the number of items one page may evaluate (random sizes stand in for 1 MB of varying items). */
  constructor(rows: readonly Row[], private readonly pageSize: () => number, private readonly mode: LastKeyMode = 'dynamodb') {
    for (const row of rows) {
      const list = this.partitions.get(row.partition) ?? [];
      list.push(row);
      this.partitions.set(row.partition, list);
    }
    for (const list of this.partitions.values()) list.sort((a, b) => (a.s < b.s ? -1 : 1));
  }

  readonly query: AscendingQueryFn<Row> = async (q) => {
    this.calls.push(q);
    // DynamoDB rejects a BETWEEN with bounds out of order (ValidationException).
    if (q.lo > q.hi) throw new Error(`ValidationException: BETWEEN bounds out of order (${q.lo} > ${q.hi})`);
    const inRange = (this.partitions.get(q.partition) ?? []).filter((r) => r.s >= q.lo && r.s <= q.hi);
    const size = this.pageSize();
    const evaluated = inRange.slice(0, size);
    this.evaluated += evaluated.length;
    const match = predicateOf(q.filter);
    const items = evaluated.filter((r) => !match || match(r)).map((r) => ({ ...r }));
    const full = evaluated.length === size;
    const more = inRange.length > evaluated.length;
    const lastEvaluated = full && (this.mode === 'dynamodb' || more) ? evaluated.at(-1)!.s : undefined;
    return lastEvaluated === undefined ? { items, scanned: evaluated.length } : { items, scanned: evaluated.length, lastEvaluated };
  };
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
/** Sorts after every `{occurredAt}#{id}` with the same timestamp (as planEventQuery's `hi`). */
const AFTER = '#\uffff';
const iso = (ms: number) => new Date(ms).toISOString();
const partitionNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `acme#${i}`);

/** `count` rows with unique sort keys (`{ISO time}#{id}`) over `partitions`, across 30 days; some share a timestamp. */
function makeRows(rng: Rng, count: number, partitions: readonly string[]): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const at = i > 0 && rng.chance(0.1) ? rows[rng.int(0, i - 1)]!.s.slice(0, 24) : iso(T0 + Math.floor(rng.next() * 30 * DAY));
    rows.push({ s: `${at}#ev${String(i).padStart(6, '0')}`, partition: rng.pick(partitions), tag: rng.next() });
  }
  return rows;
}

function planOf(partitions: readonly string[], opts: { lo?: string; hi?: string; match?: Predicate } = {}): QueryPlan {
  return {
    index: 'byTime',
    partitions,
    lo: opts.lo ?? '2026-01-01T00:00:00.000Z',
    hi: opts.hi ?? `9999-12-31T23:59:59.999Z${AFTER}`,
    filter: opts.match ? filterOf(opts.match) : undefined,
  };
}

/** The brute-force answer: every matching row in [lo, hi] after `after`, oldest first. */
function expected(rows: readonly Row[], plan: QueryPlan, after?: string): string[] {
  const match = predicateOf(plan.filter);
  return rows
    .filter((r) => r.s >= plan.lo && r.s <= plan.hi && (!match || match(r)) && (after === undefined || r.s > after))
    .map((r) => r.s)
    .sort();
}

/** Runs a whole scan, collecting its batches (fails instead of looping forever). */
async function collect(plan: QueryPlan, after: string | undefined, query: AscendingQueryFn<Row>, maxBatches = 100_000): Promise<ScanBatch<Row>[]> {
  const batches: ScanBatch<Row>[] = [];
  for await (const batch of scanAscending(plan, after, query)) {
    batches.push(batch);
    if (batches.length > maxBatches) throw new Error(`scan did not finish within ${maxBatches} batches (at ${batch.through})`);
  }
  return batches;
}

const maxKey = (a: string | undefined, b: string): string => (a !== undefined && a > b ? a : b);
const keysOf = (batches: readonly ScanBatch<Row>[]): string[] => batches.flatMap((b) => b.items.map((it) => it.s));

/** One random case: rows over 1..6 partitions, a window, a sparse filter, a page size, a resume key. */
function randomCase(seed: number) {
  const rng = prng(seed);
  const partitions = partitionNames(rng.int(1, 6));
  const rows = makeRows(rng, rng.pick([0, 1, 2, 5, 30, 200, 800, 2_000]), partitions);
  const matchRate = rng.pick([1, 1, 0.5, 0.1, 0.02, 0.002, 0]);
  const match: Predicate | undefined = matchRate === 1 ? undefined : (r) => r.tag < matchRate;
  const windowed = rng.chance(0.4);
  // Sometimes lo > hi: retention can start after the frozen `to`.
  const lo = windowed ? iso(T0 + rng.int(-2, 20) * DAY + rng.int(0, DAY)) : undefined;
  const hi = windowed ? `${iso(T0 + rng.int(8, 32) * DAY + rng.int(0, DAY))}${AFTER}` : undefined;
  const plan = planOf(partitions, { lo, hi, match });
  const maxPage = rng.pick([2, 3, 7, 25, 100, 1_000]);
  const pageRng = prng(seed * 7 + 1);
  const pageSize = rng.chance(0.5) ? () => maxPage : () => pageRng.int(2, maxPage);
  const mode: LastKeyMode = rng.chance(0.5) ? 'dynamodb' : 'precise';
  // The resume key: none, an existing key (inside or outside the window), or an arbitrary key.
  const afterKind = rng.pick(['none', 'row', 'time', 'past', 'future'] as const);
  const after =
    afterKind === 'row' && rows.length ? rng.pick(rows).s
    : afterKind === 'time' ? `${iso(T0 + Math.floor(rng.next() * 30 * DAY))}${rng.chance(0.5) ? AFTER : ''}`
    : afterKind === 'past' ? '2025-01-01T00:00:00.000Z#x'
    : afterKind === 'future' ? '9999-12-31T23:59:59.999Z#zzz'
    : undefined;
  return { rng, rows, plan, after, index: () => new FakeIndex(rows, pageSize, mode) };
}

describe('scanAscending — yields exactly the brute-force answer (seeded property test)', () => {
  const SEEDS = Array.from({ length: 150 }, (_, i) => 7_000 + i);

  it.each(SEEDS)('seed %i: every matching item exactly once, oldest first, batches bounded by `through`', async (seed) => {
    // Prepare
    const { rows, plan, after, index: makeIndex } = randomCase(seed);
    const index = makeIndex();

    // Act
    const batches = await collect(plan, after, index.query);

    // Assess
    const keys = keysOf(batches);
    expect(new Set(keys).size, 'no duplicates').toBe(keys.length);
    expect(keys).toEqual(expected(rows, plan, after));
    expect(batches.at(-1)!.done).toBe(true);
    expect(batches.slice(0, -1).every((b) => !b.done)).toBe(true);
    let previous = after;
    for (const batch of batches) {
      const s = batch.items.map((it) => it.s);
      expect(s).toEqual([...s].sort());
      for (const key of s) {
        expect(key <= batch.through, `${key} <= through ${batch.through}`).toBe(true);
        if (previous !== undefined) expect(key > previous, `${key} > previous through ${previous}`).toBe(true);
      }
      // (The final batch's `through` may fall back to the start key when it holds no item; nothing resumes from it.)
      if (previous !== undefined && !batch.done) expect(batch.through >= previous).toBe(true);
      previous = batch.through;
    }
    expect(batches.reduce((n, b) => n + b.scanned, 0)).toBe(index.evaluated);
    expect(index.calls.every((c) => c.filter === plan.filter && c.index === plan.index && c.hi === plan.hi && c.lo >= plan.lo)).toBe(true);
  });

  // Same property with one page per partition (no page boundaries at all).
  it.each(SEEDS)('seed %i: single-page partitions: every matching item exactly once, oldest first', async (seed) => {
    // Prepare
    const { rows, plan, after } = randomCase(seed);
    const index = new FakeIndex(rows, () => rows.length + 1, 'precise');

    // Act
    const batches = await collect(plan, after, index.query);

    // Assess
    const keys = keysOf(batches);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expected(rows, plan, after));
    expect(batches.at(-1)!.done).toBe(true);
    for (const batch of batches) for (const it of batch.items) expect(it.s <= batch.through).toBe(true);
    expect(batches.reduce((n, b) => n + b.scanned, 0)).toBe(index.evaluated);
  });

  // Where every page boundary falls on an item the filter dropped, the duplicate cannot happen; this keeps
  // paging (empty pages with a LastEvaluatedKey, frontiers, the k-way merge) covered while the bug is open.
  it.each(SEEDS)('seed %i: pages ending on filtered-out items: every matching item exactly once', async (seed) => {
    // Prepare: pages of `page` items from the start of each partition; each page after the first starts at the
    // previous page's last item (the BETWEEN bound is inclusive), so pages end on ordinals k * (page - 1).
    const { rows, plan, rng } = randomCase(seed);
    const page = rng.int(3, 10);
    const ordinal = new Map<string, number>();
    const byPartition = new Map<string, Row[]>();
    for (const r of rows) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    for (const list of byPartition.values()) list.sort((a, b) => (a.s < b.s ? -1 : 1)).forEach((r, i) => ordinal.set(r.s, i));
    const base = predicateOf(plan.filter);
    const match: Predicate = (r) => ordinal.get(r.s)! % (page - 1) !== 0 && (!base || base(r));
    // The whole partitions (no window, no resume key), so the page ends are known.
    const open = planOf(plan.partitions, { match });
    const index = new FakeIndex(rows, () => page, rng.chance(0.5) ? 'dynamodb' : 'precise');

    // Act
    const batches = await collect(open, undefined, index.query);

    // Assess
    const keys = keysOf(batches);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expected(rows, open));
    expect(batches.at(-1)!.done).toBe(true);
    let previous: string | undefined;
    for (const batch of batches) {
      for (const it of batch.items) {
        expect(it.s <= batch.through).toBe(true);
        if (previous !== undefined) expect(it.s > previous).toBe(true);
      }
      previous = batch.through;
    }
    expect(batches.reduce((n, b) => n + b.scanned, 0)).toBe(index.evaluated);
  });
});

describe('scanAscending — resuming (how export chunks go on)', () => {
  const SEEDS = Array.from({ length: 60 }, (_, i) => 9_000 + i);

  /** Single-page partitions: resuming is checked apart from the page-boundary bug above. */
  const onePage = (rows: readonly Row[]) => new FakeIndex(rows, () => rows.length + 1, 'precise');

  it.each(SEEDS)('seed %i: a fresh scan from any batch\'s `through` yields exactly the remainder', async (seed) => {
    // Prepare
    const { rows, plan, after, rng } = randomCase(seed);
    const batches = await collect(plan, after, onePage(rows).query);
    const picks = Array.from({ length: Math.min(5, batches.length) }, () => rng.int(0, batches.length - 1));

    for (const i of picks) {
      const through = batches[i]!.through;
      // Act
      const rest = keysOf(await collect(plan, through, onePage(rows).query));
      // Assess
      expect(rest).toEqual(keysOf(batches.slice(i + 1)));
      expect(rest).toEqual(expected(rows, plan, maxKey(after, through)));
    }
  });

  it.each(SEEDS)('seed %i: a fresh scan from the last item taken inside a batch yields exactly the remainder', async (seed) => {
    // Prepare
    const { rows, plan, after, rng } = randomCase(seed);
    const all = keysOf(await collect(plan, after, onePage(rows).query));
    if (all.length === 0) return;

    for (let k = 0; k < 5; k++) {
      const taken = rng.int(0, all.length - 1);
      // Act
      const rest = keysOf(await collect(plan, all[taken], onePage(rows).query));
      // Assess
      expect(rest).toEqual(all.slice(taken + 1));
    }
  });

  it.each(SEEDS)('seed %i: resuming from `through` with paged partitions yields exactly the remainder', async (seed) => {
    // Prepare
    const { rows, plan, after, rng, index } = randomCase(seed);
    const batches = await collect(plan, after, index().query);
    const picks = Array.from({ length: Math.min(5, batches.length) }, () => rng.int(0, batches.length - 1));

    for (const i of picks) {
      // Act
      const rest = keysOf(await collect(plan, batches[i]!.through, index().query));
      // Assess
      expect(rest).toEqual(expected(rows, plan, maxKey(after, batches[i]!.through)));
    }
  });
});

describe('scanAscending — examples', () => {
  const rows = (partition: string, ...keys: string[]): Row[] => keys.map((k) => ({ s: `2026-03-01T00:00:0${k}.000Z#${k}`, partition, tag: 0 }));

  it('merges shards oldest first and ends with done: true', async () => {
    // Prepare
    const data = [...rows('acme#0', '1', '4', '7'), ...rows('acme#1', '2', '5'), ...rows('acme#2', '3', '6', '8')];
    const index = new FakeIndex(data, () => 100, 'precise');

    // Act
    const batches = await collect(planOf(['acme#0', 'acme#1', 'acme#2']), undefined, index.query);

    // Assess
    expect(keysOf(batches).map((s) => s.at(-1))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(batches.at(-1)).toMatchObject({ done: true, through: data.map((r) => r.s).sort().at(-1) });
    expect(batches.reduce((n, b) => n + b.scanned, 0)).toBe(8);
  });

  it('drops the resume key itself and everything before it', async () => {
    // Prepare
    const data = rows('acme#0', '1', '2', '3', '4');
    const index = new FakeIndex(data, () => 100, 'precise');

    // Act
    const batches = await collect(planOf(['acme#0']), data[1]!.s, index.query);

    // Assess
    expect(keysOf(batches)).toEqual([data[2]!.s, data[3]!.s]);
    expect(index.calls[0]!.lo).toBe(data[1]!.s);
  });

  it('reads nothing when the resume key is past the window, and says done', async () => {
    // Prepare
    const index = new FakeIndex(rows('acme#0', '1', '2'), () => 100);

    // Act
    const batches = await collect(planOf(['acme#0'], { hi: `2026-03-01T00:00:09.000Z${AFTER}` }), '9999-01-01T00:00:00.000Z', index.query);

    // Assess
    expect(index.calls).toEqual([]);
    expect(batches).toEqual([{ items: [], through: '9999-01-01T00:00:00.000Z', done: true, scanned: 0 }]);
  });

  it('a sparse filter still makes progress: `through` moves on across pages with no matching item', async () => {
    // Prepare: nothing matches; pages of 2.
    const data = rows('acme#0', '1', '2', '3', '4', '5');
    const index = new FakeIndex(data, () => 2, 'dynamodb');

    // Act
    const batches = await collect(planOf(['acme#0'], { match: () => false }), undefined, index.query);

    // Assess
    expect(keysOf(batches)).toEqual([]);
    const throughs = batches.slice(0, -1).map((b) => b.through);
    expect(throughs.length).toBeGreaterThanOrEqual(2);
    expect(throughs[0]).toBe(data[1]!.s);
    expect(throughs).toEqual([...new Set(throughs)].sort());
    expect(batches.at(-1)!.done).toBe(true);
    expect(batches.reduce((n, b) => n + b.scanned, 0)).toBe(index.evaluated);
  });

  it('yields the item at a page boundary once', async () => {
    // Prepare: one partition, pages of 2 items.
    const data = rows('acme#0', '1', '2', '3');
    const index = new FakeIndex(data, () => 2, 'precise');

    // Act
    const batches = await collect(planOf(['acme#0']), undefined, index.query);

    // Assess: today [1, 2, 2, 3]
    expect(keysOf(batches)).toEqual(data.map((r) => r.s));
  });

  it('surfaces a rejected Query as the scan\'s error (also a prefetched page\'s)', async () => {
    // Prepare: the 3rd Query fails (a prefetch of the second round).
    const index = new FakeIndex([...rows('acme#0', '1', '3', '5'), ...rows('acme#1', '2', '4', '6')], () => 2);
    let calls = 0;
    const failing: AscendingQueryFn<Row> = (q) => (++calls === 3 ? Promise.reject(new Error('ProvisionedThroughputExceededException')) : index.query(q));

    // Act
    const scan = collect(planOf(['acme#0', 'acme#1']), undefined, failing);

    // Assess
    await expect(scan).rejects.toThrow('ProvisionedThroughputExceededException');
  });

  it('surfaces a rejected first Query', async () => {
    // Prepare
    const failing: AscendingQueryFn<Row> = () => Promise.reject(new Error('AccessDeniedException'));

    // Act
    const scan = collect(planOf(['acme#0']), undefined, failing);

    // Assess
    await expect(scan).rejects.toThrow('AccessDeniedException');
  });
});
