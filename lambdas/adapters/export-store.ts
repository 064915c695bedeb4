/**
 * Exports in the Control table. One item per export (`EXPORT#{tenant}#{id}`,
 * listed newest first per tenant through the `byTenant` index) and one item per
 * uploaded multipart part (same partition, `PART#00001`: the ETags S3 needs to
 * complete the upload, with no bound on their number). Progress moves by
 * conditional writes on a chunk sequence number, so a retried or duplicated
 * chunk commits at most once.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ExportProgress, ExportRecord } from '../core/exports.js';
import { CONTROL_INDEX } from '../core/keys.js';
import type { DocumentClient } from './dynamodb.js';
import { transactWrite, type TransactItem } from './transactions.js';

const INDEX = CONTROL_INDEX.name;

const exportPk = (tenant: string, id: string) => `EXPORT#${tenant}#${id}`;
const key = (tenant: string, id: string) => ({ pk: exportPk(tenant, id), sk: 'EXPORT' });
const listKey = (tenant: string) => `TENANT#${tenant}#EXPORTS`;
const partSk = (n: number) => `PART#${String(n).padStart(5, '0')}`;

/** Export ids are lower-case ULIDs. */
export const EXPORT_ID = /^[0-9a-z]{26}$/;

interface ExportItem extends ExportRecord {
  pk: string;
  sk: string;
  gp: string;
  gs: string;
}

const record = ({ pk: _pk, sk: _sk, gp: _gp, gs: _gs, ...rest }: ExportItem): ExportRecord => rest;

/** An uploaded part, as S3 needs it to complete the upload. */
export interface PartInfo {
  n: number;
  etag: string;
  bytes: number;
  rows: number;
}

/** What {@link createExportStore} needs. */
export interface ExportStoreConfig {
  readonly ddb: DocumentClient;
  /** The Control table. */
  readonly tableName: string;
}

/** Export records and their parts. */
export type ExportStore = ReturnType<typeof createExportStore>;

/** Export records in the Control table `tableName`. */
export function createExportStore({ ddb, tableName: TableName }: ExportStoreConfig) {
  /** Stores a new export, with `alongside` writes (its audit event) in the same transaction. */
  async function createExport(r: ExportRecord, alongside: TransactItem[] = []): Promise<void> {
    const item: ExportItem = { ...key(r.tenant, r.id), gp: listKey(r.tenant), gs: `${r.createdAt}#${r.id}`, ...r };
    await transactWrite(ddb, [{ Put: { TableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, ...alongside]);
  }

  /** Export `id` of `tenant` (strongly consistent), or undefined, also for other tenants' ids. */
  async function getExport(tenant: string, id: string): Promise<ExportRecord | undefined> {
    if (!EXPORT_ID.test(id)) return undefined;
    const r = await ddb.send(new GetCommand({ TableName, Key: key(tenant, id), ConsistentRead: true }));
    return r.Item ? record(r.Item as ExportItem) : undefined;
  }

  /** A page of the tenant's exports, newest first; `after` is the last page's `next`. */
  async function listExports(tenant: string, limit: number, after?: string): Promise<{ exports: ExportRecord[]; next?: string }> {
    const [gs, id] = after ? [after, after.slice(after.lastIndexOf('#') + 1)] : [];
    const r = await ddb.send(new QueryCommand({
      TableName,
      IndexName: INDEX,
      KeyConditionExpression: 'gp = :gp',
      ExpressionAttributeValues: { ':gp': listKey(tenant) },
      ScanIndexForward: false,
      Limit: limit,
      ...(gs && id ? { ExclusiveStartKey: { ...key(tenant, id), gp: listKey(tenant), gs } } : {}),
    }));
    const items = (r.Items ?? []) as ExportItem[];
    return { exports: items.map(record), next: r.LastEvaluatedKey ? (r.LastEvaluatedKey.gs as string) : undefined };
  }

  /** Runs an update; false when its condition did not hold. */
  async function update(input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>): Promise<boolean> {
    try {
      await ddb.send(new UpdateCommand({ TableName, ...input }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** queued → running (idempotent: a retried Begin finds it running). */
  const markRunning = (tenant: string, id: string, at: string): Promise<boolean> =>
    update({
      Key: key(tenant, id),
      UpdateExpression: 'SET #st = :running, startedAt = if_not_exists(startedAt, :at)',
      ConditionExpression: '#st IN (:queued, :running)',
      ExpressionAttributeNames: { '#st': 'status' },
      ExpressionAttributeValues: { ':running': 'running', ':queued': 'queued', ':at': at },
    });

  /** Records the multipart upload; false when one was recorded first (the caller aborts its own). */
  const setUploadId = (tenant: string, id: string, uploadId: string): Promise<boolean> =>
    update({
      Key: key(tenant, id),
      UpdateExpression: 'SET uploadId = :u',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(uploadId)',
      ExpressionAttributeValues: { ':u': uploadId },
    });

  /**
   * Commits one chunk: the new progress and, when it uploaded one, the part's
   * ETag, in one transaction, only if no other attempt committed chunk `seq`
   * first. Returns false in that case (the caller's work is discarded; the part
   * it uploaded had the same number and the same rows).
   */
  async function commitChunk(tenant: string, id: string, seq: number, progress: ExportProgress, part?: PartInfo): Promise<boolean> {
    const { carry, after } = progress;
    const set = ['seq = :next', 'part = :part', 'rowCount = :rows', 'bytes = :bytes', ...(after !== undefined ? ['#after = :after'] : []), ...(carry ? ['carry = :carry'] : [])];
    const items: TransactItem[] = [{
      Update: {
        TableName,
        Key: key(tenant, id),
        UpdateExpression: `SET ${set.join(', ')}${carry ? '' : ' REMOVE carry'}`,
        ConditionExpression: 'seq = :seq AND #st = :running',
        ExpressionAttributeNames: { '#st': 'status', ...(after !== undefined ? { '#after': 'after' } : {}) },
        ExpressionAttributeValues: {
          ':seq': seq, ':next': progress.seq, ':part': progress.part, ':rows': progress.rowCount, ':bytes': progress.bytes, ':running': 'running',
          ...(after !== undefined ? { ':after': after } : {}),
          ...(carry ? { ':carry': carry } : {}),
        },
      },
    }];
    if (part) items.push({ Put: { TableName, Item: { pk: exportPk(tenant, id), sk: partSk(part.n), ...part } } });
    try {
      await transactWrite(ddb, items);
      return true;
    } catch (err) {
      const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
      if ((err as Error).name === 'TransactionCanceledException' && reasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw err;
    }
  }

  /** The parts recorded for an export, in order. */
  async function listParts(tenant: string, id: string): Promise<PartInfo[]> {
    const parts: PartInfo[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await ddb.send(new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :part)',
        ExpressionAttributeValues: { ':pk': exportPk(tenant, id), ':part': 'PART#' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }));
      for (const item of r.Items ?? []) parts.push({ n: item.n, etag: item.etag, bytes: item.bytes, rows: item.rows });
      start = r.LastEvaluatedKey;
    } while (start);
    return parts;
  }

  /** The file is complete: its size and deletion date; the upload id is spent. */
  const markUploaded = (tenant: string, id: string, bytes: number, fileExpiresAt: string): Promise<boolean> =>
    update({
      Key: key(tenant, id),
      UpdateExpression: 'SET bytes = :b, fileExpiresAt = :x REMOVE uploadId, carry',
      ConditionExpression: '#st = :running',
      ExpressionAttributeNames: { '#st': 'status' },
      ExpressionAttributeValues: { ':b': bytes, ':x': fileExpiresAt, ':running': 'running' },
    });

  /** running → succeeded, with the mail's outcome. */
  const markSucceeded = (tenant: string, id: string, at: string, mail: NonNullable<ExportRecord['mail']>): Promise<boolean> =>
    update({
      Key: key(tenant, id),
      UpdateExpression: 'SET #st = :succeeded, completedAt = :at, mail = :mail',
      ConditionExpression: '#st = :running',
      ExpressionAttributeNames: { '#st': 'status' },
      ExpressionAttributeValues: { ':succeeded': 'succeeded', ':running': 'running', ':at': at, ':mail': mail },
    });

  /** → failed with a reason safe to show and the failure mail's outcome; the upload and carry-over are gone (the caller removed them). */
  const markFailed = (tenant: string, id: string, at: string, error: string, mail?: NonNullable<ExportRecord['mail']>): Promise<boolean> =>
    update({
      Key: key(tenant, id),
      UpdateExpression: `SET #st = :failed, completedAt = :at, #err = :error${mail ? ', mail = :mail' : ''} REMOVE uploadId, carry, fileExpiresAt`,
      ConditionExpression: 'attribute_exists(pk) AND #st <> :succeeded',
      ExpressionAttributeNames: { '#st': 'status', '#err': 'error' },
      ExpressionAttributeValues: { ':failed': 'failed', ':succeeded': 'succeeded', ':at': at, ':error': error, ...(mail ? { ':mail': mail } : {}) },
    });

  return { createExport, getExport, listExports, markRunning, setUploadId, commitChunk, listParts, markUploaded, markSucceeded, markFailed };
}
