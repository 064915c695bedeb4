/**
 * Events table adapter: idempotent writes, single-key reads, and the
 * per-partition Query used by the page reader. Key design: core/keys.ts.
 */
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type EventItem, eventPk, latePk, RECEIVED_INDEX, INDEX_KEY, type IndexName } from '../core/keys.js';
import type { AscendingQueryFn } from '../core/export-scan.js';
import { EXPORT_PAGE_ITEMS } from '../core/exports.js';
import type { PartitionQuery, PartitionResult, QueryFn } from '../core/paging.js';
import type { FilterExpression } from '../core/query-plan.js';
import { isThrottlingAwsError } from '../shared/aws-errors.js';
import { chunk, type DocumentClient, withBackoff } from './dynamodb.js';

/** DynamoDB's batch limit, and how many conditional puts one request keeps in flight. */
const WRITE_BATCH = 25;
const PUTS_IN_FLIGHT = 25;

/** What {@link createEventStore} needs. */
export interface EventStoreConfig {
  readonly ddb: DocumentClient;
  /** The Events table. */
  readonly tableName: string;
}

/** The Events table. */
export interface EventStore {
  /**
   * Stores new items; an event is never overwritten, so re-sending is a no-op.
   *
   * - Ids a client chose (`mayExist`) may be re-sends, possibly racing each other: each is a
   *   conditional PutItem (`attribute_not_exists(pk)`), so of two concurrent first sends exactly
   *   one is written and the other counts as a duplicate. Puts still throttled after the SDK's
   *   retries are put again in rounds with backoff: the SDK stops retrying altogether once its
   *   retry quota is spent, and under sustained throttling re-sends spend it (a retried put that
   *   ends in ConditionalCheckFailed refunds nothing), which left a batch of 100 needing 100
   *   unthrottled first attempts in one request.
   * - Fresh server ULIDs (80 random bits) cannot exist yet: they go in BatchWriteItems of 25,
   *   with no read and no condition; unprocessed items are retried with backoff until written or 503.
   *
   * Throttling that outlasts those rounds surfaces as a 503 after some items may have been
   * written: a retry of the same request writes the rest, exactly once for client ids. (Another
   * error the SDK retried, such as a 5xx, may have written the item: the retry then finds it stored
   * and counts it as a duplicate; it is stored once either way.)
   */
  putEvents(items: EventItem[], mayExist?: (item: EventItem) => boolean): Promise<{ written: EventItem[]; duplicates: number }>;
  /** One event by id, or undefined. A single GetItem. */
  getEventItem(tenant: string, id: string): Promise<EventItem | undefined>;
  /** One round of one partition for the page reader (core/paging.ts). */
  queryPartition: QueryFn<EventItem>;
  /**
   * One ascending page of one partition, for exports (core/export-scan.ts), of EXPORT_PAGE_ITEMS
   * items with only the sort key and the body (all a CSV row needs): a third of the bytes to
   * transfer and unmarshal. Filters still apply to every attribute.
   */
  queryAscending: AscendingQueryFn<EventItem>;
  /** One ascending page (100 items) of the late-event index of `tenant`, strictly after `after` (an `ls` key), with `filter` applied. */
  queryLate(tenant: string, after: string | undefined, filter?: FilterExpression): Promise<{ items: EventItem[]; lastEvaluated?: string }>;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The Events table adapter for `config`. */
export function createEventStore({ ddb, tableName: TableName }: EventStoreConfig): EventStore {
  /**
   * Writes `item` unless its event id is stored already: `written`, or `duplicate` when it was (a
   * re-send, or a concurrent send won), or `throttled` when DynamoDB throttled it past the SDK's
   * retries (a throttled write writes nothing, so it is safe to put again).
   */
  async function putIfNew(item: EventItem): Promise<'written' | 'duplicate' | 'throttled'> {
    try {
      await ddb.send(new PutCommand({ TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return 'written';
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return 'duplicate';
      if (isThrottlingAwsError(error)) return 'throttled';
      throw error;
    }
  }

  async function putEvents(items: EventItem[], mayExist: (item: EventItem) => boolean = () => true): Promise<{ written: EventItem[]; duplicates: number }> {
    const first = new Map<string, EventItem>();
    for (const it of items) if (!first.has(it.pk)) first.set(it.pk, it);
    const unique = [...first.values()];
    const guarded = unique.filter(mayExist);
    const fresh = unique.filter((it) => !mayExist(it));
    const written = new Set<EventItem>();
    await Promise.all([
      withBackoff(guarded, async (pending) => {
        const outcomes = await mapBounded(pending, PUTS_IN_FLIGHT, putIfNew);
        pending.forEach((it, i) => outcomes[i] === 'written' && written.add(it));
        return pending.filter((_, i) => outcomes[i] === 'throttled');
      }, 'event writes'),
      ...chunk(fresh, WRITE_BATCH).map((batch) =>
        withBackoff(batch.map((Item) => ({ PutRequest: { Item } })), async (pending) => {
          const r = await ddb.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
          return (r.UnprocessedItems?.[TableName] ?? []) as typeof pending;
        }, 'event writes'),
      ),
    ]);
    // Duplicates: ids already stored (or won by a concurrent send), and repeats of an id within this batch.
    return { written: [...guarded.filter((it) => written.has(it)), ...fresh], duplicates: items.length - written.size - fresh.length };
  }

  async function getEventItem(tenant: string, id: string): Promise<EventItem | undefined> {
    const r = await ddb.send(new GetCommand({ TableName, Key: { pk: eventPk(tenant, id) } }));
    return r.Item as EventItem | undefined;
  }

  /** A Query of one partition's key range [lo, hi]; newest first unless `ascending`; only `project`ed attributes when given. */
  async function queryRange(q: Omit<PartitionQuery, 'limit'> & { limit?: number }, ascending: boolean, project?: readonly string[]): Promise<PartitionResult<EventItem>> {
    const projected = project && Object.fromEntries(project.map((a) => [`#p_${a}`, a]));
    const r = await ddb.send(new QueryCommand({
      TableName,
      IndexName: q.index,
      KeyConditionExpression: '#pk = :pk AND #s BETWEEN :lo AND :hi',
      FilterExpression: q.filter?.expression,
      ProjectionExpression: projected && Object.keys(projected).join(', '),
      ExpressionAttributeNames: { '#pk': INDEX_KEY[q.index as IndexName], '#s': 's', ...q.filter?.names, ...projected },
      ExpressionAttributeValues: { ':pk': q.partition, ':lo': q.lo, ':hi': q.hi, ...q.filter?.values },
      ScanIndexForward: ascending,
      Limit: q.limit,
    }));
    return { items: (r.Items ?? []) as EventItem[], lastEvaluated: r.LastEvaluatedKey?.s as string | undefined, scanned: r.ScannedCount ?? 0 };
  }

  return {
    putEvents,
    getEventItem,
    queryPartition: (q) => queryRange(q, false),
    queryAscending: (q) => queryRange({ ...q, limit: EXPORT_PAGE_ITEMS }, true, ['s', 'b']),
    async queryLate(tenant, after, filter) {
      const { name, partitionKey, sortKey } = RECEIVED_INDEX;
      const r = await ddb.send(new QueryCommand({
        TableName,
        IndexName: name,
        KeyConditionExpression: after === undefined ? '#lp = :lp' : '#lp = :lp AND #ls > :after',
        FilterExpression: filter?.expression,
        ExpressionAttributeNames: { '#lp': partitionKey, ...(after === undefined ? {} : { '#ls': sortKey }), ...filter?.names },
        ExpressionAttributeValues: { ':lp': latePk(tenant), ...(after === undefined ? {} : { ':after': after }), ...filter?.values },
        Limit: 100,
      }));
      return { items: (r.Items ?? []) as EventItem[], lastEvaluated: r.LastEvaluatedKey?.[sortKey] as string | undefined };
    },
  };
}
