/**
 * Tenant settings in the Control table (`TENANT#{tenant}` / `SETTINGS`):
 * retention override, per-category recording switches, and the timeline
 * shard high-water mark (every shard count ever used, so readers never miss
 * events written under a larger count).
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../shared/config.js';
import { ddb } from './dynamodb.js';
import { transact, type TransactItem } from './transactions.js';

const TableName = config.controlTable;
const key = (tenant: string) => ({ pk: `TENANT#${tenant}`, sk: 'SETTINGS' });

/** Settings as stored; absent fields take stack defaults. */
export interface StoredSettings {
  retentionDays?: number;
  recording?: Record<string, boolean>;
  /** Largest shard count this tenant's timeline was written with. */
  shards?: number;
  updatedAt?: string;
}

/** The tenant's stored settings ({} when never set). */
export async function loadSettings(tenant: string): Promise<StoredSettings> {
  const r = await ddb.send(new GetCommand({ TableName, Key: key(tenant) }));
  return (r.Item ?? {}) as StoredSettings;
}

/** Replaces the given fields (others keep their value), atomically with the `alongside` writes (the audit event). */
export async function saveSettings(tenant: string, patch: Pick<StoredSettings, 'retentionDays' | 'recording'>, alongside: TransactItem[] = []): Promise<void> {
  const sets: string[] = ['updatedAt = :now'];
  const values: Record<string, unknown> = { ':now': new Date().toISOString() };
  if (patch.retentionDays !== undefined) (sets.push('retentionDays = :r'), (values[':r'] = patch.retentionDays));
  if (patch.recording !== undefined) (sets.push('recording = :rec'), (values[':rec'] = patch.recording));
  await transact([{ Update: { TableName, Key: key(tenant), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values } }, ...alongside]);
}

/** Raises the shard high-water mark to `shards` (no-op when already there). */
export async function recordShardCount(tenant: string, shards: number): Promise<void> {
  try {
    await ddb.send(new UpdateCommand({
      TableName, Key: key(tenant),
      UpdateExpression: 'SET shards = :n',
      ConditionExpression: 'attribute_not_exists(shards) OR shards < :n',
      ExpressionAttributeValues: { ':n': shards },
    }));
  } catch (e) {
    if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
  }
}
