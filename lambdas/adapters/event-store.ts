/**
 * Events table adapter: idempotent batch writes, single-key reads, and the
 * per-partition Query used by the page reader. Key design: core/keys.ts.
 */
import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type EventItem, eventPk, INDEX_KEY, type IndexName } from '../core/keys.js';
import type { AscendingQueryFn } from '../core/export-scan.js';
import { EXPORT_PAGE_ITEMS } from '../core/exports.js';
import type { PartitionQuery, PartitionResult, QueryFn } from '../core/paging.js';
import { config } from '../shared/config.js';
import { chunk, ddb, withBackoff } from './dynamodb.js';

const TableName = config.eventsTable;

/** DynamoDB's batch limits. */
const WRITE_BATCH = 25;
const GET_BATCH = 100;

/** Which of `pks` already exist (strongly consistent). */
async function existing(pks: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (!pks.length) return found;
  await Promise.all(
    chunk(pks, GET_BATCH).map((keys) =>
      withBackoff(keys, async (pending) => {
        const r = await ddb.send(new BatchGetCommand({
          RequestItems: { [TableName]: { Keys: pending.map((pk) => ({ pk })), ProjectionExpression: 'pk', ConsistentRead: true } },
        }));
        for (const item of r.Responses?.[TableName] ?? []) found.add(item.pk as string);
        return (r.UnprocessedKeys?.[TableName]?.Keys ?? []).map((k) => k.pk as string);
      }, 'the duplicate check'),
    ),
  );
  return found;
}

/**
 * Stores new items and skips those whose event id already exists (an event is
 * never overwritten: re-sending is a no-op). Only client-supplied ids can
 * repeat (`mayExist`); fresh server ULIDs skip the existence check. Writes go
 * in parallel batches of 25; unprocessed items are retried with backoff until
 * written or 503.
 */
export async function putEvents(items: EventItem[], mayExist: (item: EventItem) => boolean = () => true): Promise<{ written: EventItem[]; duplicates: number }> {
  const first = new Map<string, EventItem>();
  for (const it of items) if (!first.has(it.pk)) first.set(it.pk, it);
  const unique = [...first.values()];
  const present = await existing(unique.filter(mayExist).map((it) => it.pk));
  const fresh = unique.filter((it) => !present.has(it.pk));
  await Promise.all(
    chunk(fresh, WRITE_BATCH).map((batch) =>
      withBackoff(batch.map((Item) => ({ PutRequest: { Item } })), async (pending) => {
        const r = await ddb.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending } }));
        return (r.UnprocessedItems?.[TableName] ?? []) as typeof pending;
      }, 'event writes'),
    ),
  );
  // Duplicates: ids already stored, and repeats of an id within this batch.
  return { written: fresh, duplicates: items.length - fresh.length };
}

/** One event by id, or undefined. A single GetItem. */
export async function getEventItem(tenant: string, id: string): Promise<EventItem | undefined> {
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

/** One round of one partition for the page reader (core/paging.ts). */
export const queryPartition: QueryFn<EventItem> = (q) => queryRange(q, false);

/**
 * One ascending page of one partition, for exports (core/export-scan.ts), of EXPORT_PAGE_ITEMS
 * items with only the sort key and the body (all a CSV row needs): a third of the bytes to
 * transfer and unmarshal. Filters still apply to every attribute.
 */
export const queryAscending: AscendingQueryFn<EventItem> = (q) => queryRange({ ...q, limit: EXPORT_PAGE_ITEMS }, true, ['s', 'b']);
