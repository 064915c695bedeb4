/**
 * The export reader: every item of a {@link QueryPlan}, oldest first, strictly
 * after a resume key. One partition (an indexed filter) is read page by page;
 * the timeline's write shards are merged. Each partition keeps one page
 * prefetched, so DynamoDB works while the caller formats rows.
 *
 * It yields batches with a `through` key: every matching item with a sort key
 * up to `through` has been yielded. A caller that stops after a whole batch
 * resumes after `through` (which may lie past its last row when a filter
 * skipped items: a sparse filter still makes progress); one that stops inside
 * a batch resumes after the last row it took. The Query is injected; no AWS SDK.
 */
import type { PartitionQuery, PartitionResult } from './paging.js';
import type { QueryPlan } from './query-plan.js';

/** One ascending page of one partition over [lo, hi] (the adapter picks the page size). */
export type AscendingQueryFn<T> = (query: Omit<PartitionQuery, 'limit'>) => Promise<PartitionResult<T>>;

/** A batch of items in ascending sort-key order. */
export interface ScanBatch<T> {
  readonly items: T[];
  /** Every matching item with a sort key up to this one has been yielded (in this or earlier batches). */
  readonly through: string;
  /** The last batch: nothing follows. */
  readonly done: boolean;
  /** Items DynamoDB read for this batch (before filtering). */
  readonly scanned: number;
}

interface Partition<T> {
  readonly partition: string;
  /** Items read but not yielded yet, ascending. */
  buf: T[];
  /** Every key of this partition up to here has been read (the last page's LastEvaluatedKey). */
  frontier: string;
  done: boolean;
  /** The prefetched next page. */
  next?: Promise<PartitionResult<T>>;
}

/** The lowest frontier of the partitions still being read: nothing unread can sort at or below it. */
const lowestFrontier = <T>(parts: Partition<T>[]): string | undefined =>
  parts.reduce<string | undefined>((min, p) => (p.done || (min !== undefined && min <= p.frontier) ? min : p.frontier), undefined);

/** Yields `plan`'s items with sort key > `after`, oldest first; see the module comment. */
export async function* scanAscending<T extends { s: string }>(plan: QueryPlan, after: string | undefined, query: AscendingQueryFn<T>): AsyncGenerator<ScanBatch<T>> {
  const lo = after !== undefined && after > plan.lo ? after : plan.lo;
  const parts: Partition<T>[] = plan.partitions.map((partition) => ({ partition, buf: [], frontier: lo, done: lo > plan.hi }));
  const prefetch = (p: Partition<T>) => {
    p.next = query({ index: plan.index, partition: p.partition, lo: p.frontier, hi: plan.hi, filter: plan.filter });
    p.next.catch(() => undefined); // surfaced where it is awaited
  };
  for (const p of parts) if (!p.done) prefetch(p);

  for (;;) {
    // Read on in the partitions that hold the merge back (those read least far).
    const lagging = lowestFrontier(parts);
    let scanned = 0;
    for (const p of parts) {
      if (p.done || p.frontier !== lagging) continue;
      const page = await p.next!;
      scanned += page.scanned;
      // Each page's range starts at the frontier inclusive (the resume key, then the last page's
      // LastEvaluatedKey), so that item is read again: drop it.
      for (const item of page.items) if (item.s > p.frontier) p.buf.push(item);
      if (page.lastEvaluated === undefined) {
        p.done = true;
        p.next = undefined;
      } else {
        p.frontier = page.lastEvaluated;
        prefetch(p);
      }
    }
    // Buffered items at or below the lowest frontier are final, in merged order.
    const bound = lowestFrontier(parts);
    const items: T[] = [];
    for (const p of parts) {
      let n = 0;
      while (n < p.buf.length && (bound === undefined || p.buf[n]!.s <= bound)) n++;
      if (n) items.push(...p.buf.splice(0, n));
    }
    if (parts.length > 1) items.sort((a, b) => (a.s < b.s ? -1 : a.s > b.s ? 1 : 0));
    const done = bound === undefined;
    yield { items, through: bound ?? items.at(-1)?.s ?? lo, done, scanned };
    if (done) return;
  }
}
