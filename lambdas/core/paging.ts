/**
 * The page reader: a k-way merge, newest first, over the partitions of a
 * {@link QueryPlan} (one partition for an indexed filter, every write shard for
 * the timeline). It reads each partition in small rounds and emits an item only
 * when no partition can still hold a newer one, so the merged order is exact.
 *
 * Resuming needs a single boundary: sort keys are unique within a tenant and
 * every partition is ordered by them, so "everything strictly older than the
 * last emitted key" is a complete description of where to go on. A page stops
 * early (partial page + cursor) once `maxScanned` items were read, so a sparse
 * filter never scans unboundedly. The Query itself is injected; no AWS SDK here.
 */
import type { FilterExpression, QueryPlan } from './query-plan.js';

/** One round of one partition: `Limit`-bounded Query of the range [lo, hi], newest first. */
export interface PartitionQuery {
  readonly index: string;
  readonly partition: string;
  readonly lo: string;
  readonly hi: string;
  readonly limit: number;
  readonly filter?: FilterExpression;
}

/** What a round returns: matching items, and where it stopped if not at the end. */
export interface PartitionResult<T> {
  readonly items: T[];
  /** Sort key of the last item evaluated (DynamoDB LastEvaluatedKey.s), when more may follow. */
  readonly lastEvaluated?: string;
  /** Items read (DynamoDB ScannedCount). */
  readonly scanned: number;
}

export type QueryFn<T> = (query: PartitionQuery) => Promise<PartitionResult<T>>;

export interface PageOptions {
  readonly limit: number;
  /** Resume boundary (a sort key); items strictly older are read, or also equal when `inclusive`. */
  readonly before?: string;
  readonly inclusive?: boolean;
  /** Stop after reading this many items and return a partial page. */
  readonly maxScanned: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Boundary to resume from (exclusive), or undefined at the end. */
  readonly next?: string;
  /** Items read in total, to measure read amplification. */
  readonly scanned: number;
}

interface PartitionState<T> {
  readonly partition: string;
  hi: string;
  /** Key to drop if read again (the exclusive boundary). */
  drop?: string;
  buf: T[];
  done: boolean;
  /** Upper bound of what this partition may still hold. */
  frontier: string;
  rounds: number;
}

const MAX_ROUND = 1_000;

/** Reads one page of `plan`; see the module comment. */
export async function readPage<T extends { s: string }>(plan: QueryPlan, opts: PageOptions, query: QueryFn<T>): Promise<Page<T>> {
  const start = opts.before !== undefined && opts.before < plan.hi ? opts.before : plan.hi;
  const drop = opts.before !== undefined && !opts.inclusive ? opts.before : undefined;
  const parts: PartitionState<T>[] = plan.partitions.map((partition) => ({
    partition, hi: start, drop, buf: [], done: start < plan.lo, frontier: start, rounds: 0,
  }));
  const n = parts.length;
  const items: T[] = [];
  let scanned = 0;

  const fill = async (p: PartitionState<T>) => {
    // First round: this partition's share of the page (+10% slack when merging); then double.
    const share = n === 1 ? opts.limit - items.length : Math.ceil(((opts.limit - items.length) / n) * 1.1) + 1;
    // +1 when the range starts at an item already seen (the resume boundary or the last round's end), which is read again and dropped.
    const again = p.drop !== undefined ? 1 : 0;
    const limit = Math.min(MAX_ROUND, Math.max(1, share) * 2 ** Math.min(p.rounds, 10) * (plan.filter && p.rounds ? 2 : 1) + again);
    p.rounds++;
    const r = await query({ index: plan.index, partition: p.partition, lo: plan.lo, hi: p.hi, limit, filter: plan.filter });
    scanned += r.scanned;
    p.buf.push(...r.items.filter((it) => it.s !== p.drop));
    if (r.lastEvaluated === undefined) {
      p.done = true;
    } else {
      p.hi = p.frontier = p.drop = r.lastEvaluated;
    }
  };

  for (;;) {
    const empty = parts.filter((p) => !p.done && p.buf.length === 0);
    if (empty.length && scanned < opts.maxScanned) {
      await Promise.all(empty.map(fill));
      continue;
    }
    // Emit while the newest buffered item is newer than anything an unread partition may hold.
    const blockedAt = empty.reduce<string | undefined>((max, p) => (max === undefined || p.frontier > max ? p.frontier : max), undefined);
    const before = items.length;
    while (items.length < opts.limit) {
      let best: PartitionState<T> | undefined;
      for (const p of parts) if (p.buf.length && (!best || p.buf[0]!.s > best.buf[0]!.s)) best = p;
      if (!best || (blockedAt !== undefined && best.buf[0]!.s <= blockedAt)) break;
      items.push(best.buf.shift()!);
      if (best.buf.length === 0 && !best.done) break; // refill it before going on
    }
    if (items.length >= opts.limit) return { items, next: items.at(-1)!.s, scanned };
    if (parts.every((p) => p.done && p.buf.length === 0)) return { items, scanned };
    if (items.length === before && scanned >= opts.maxScanned) {
      // Budget spent and blocked: resume below the newest key an unread partition may still hold.
      return { items, next: blockedAt ?? start, scanned };
    }
  }
}
