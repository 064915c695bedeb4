/**
 * Tenant settings in the Control table (`TENANT#{tenant}` / `SETTINGS`):
 * retention override, per-category recording switches, and the timeline
 * shard high-water mark (every shard count ever used, so readers never miss
 * events written under a larger count).
 *
 * Reads are cached per store (one per container) for `cacheSeconds`
 * (`config.settingsCacheSeconds`, 10 s by default): ingest and the readers need the settings on every request, and a
 * GetItem per request was ~30 % of a single-event POST's time locally
 * (BENCHMARKS.md, P1b). What this
 * container writes updates its copy at once; a change made by another
 * container is seen within the cache lifetime. The cached shard mark can only
 * lag behind the stored one (it only grows), so a stale copy costs at most a
 * redundant conditional update, never a skipped shard.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocumentClient } from './dynamodb.js';
import { transactWrite, type TransactItem } from './transactions.js';

const key = (tenant: string) => ({ pk: `TENANT#${tenant}`, sk: 'SETTINGS' });

/** Tenants whose settings one store keeps at most (oldest dropped first). */
const CACHE_LIMIT = 10_000;

/** A copy callers may change without touching the cached one (`recording` is the only nested field). */
const copy = (s: StoredSettings): StoredSettings => ({ ...s, ...(s.recording ? { recording: { ...s.recording } } : {}) });

/** Settings as stored; absent fields take stack defaults. */
export interface StoredSettings {
  retentionDays?: number;
  recording?: Record<string, boolean>;
  /** Largest shard count this tenant's timeline was written with. */
  shards?: number;
  updatedAt?: string;
}

/** What {@link createSettingsStore} needs. */
export interface SettingsStoreConfig {
  readonly ddb: DocumentClient;
  /** The Control table. */
  readonly tableName: string;
  /** How long read or written settings are reused, seconds; 0 reads them on every call. */
  readonly cacheSeconds: number;
}

/** Tenant settings, cached. */
export interface SettingsStore {
  /**
   * The tenant's stored settings ({} when never set): this store's copy when it is younger than
   * `cacheSeconds`, else read. `fresh` always reads (the settings routes, which show and change
   * them, use it), and refreshes the copy.
   */
  loadSettings(tenant: string, opts?: { fresh?: boolean }): Promise<StoredSettings>;
  /** Replaces the given fields (others keep their value), atomically with the `alongside` writes (the audit event). */
  saveSettings(tenant: string, patch: Pick<StoredSettings, 'retentionDays' | 'recording'>, alongside?: TransactItem[]): Promise<void>;
  /** Raises the shard high-water mark to `shards` (no-op when already there). */
  recordShardCount(tenant: string, shards: number): Promise<void>;
}

/** Tenant settings in the Control table `tableName`, with a cache of its own (one per container in the handlers). */
export function createSettingsStore({ ddb, tableName: TableName, cacheSeconds }: SettingsStoreConfig): SettingsStore {
  const CACHE_MS = cacheSeconds * 1000;
  /** Settings this store read or wrote, per tenant, with when. */
  const cache = new Map<string, { at: number; settings: StoredSettings }>();

  /** Keeps `settings` as read at `at` (a patch of a copy keeps the copy's age: it never extends its life). */
  function remember(tenant: string, settings: StoredSettings, at = Date.now()): void {
    if (!CACHE_MS) return;
    cache.delete(tenant); // re-inserted last: the Map's order is the eviction order
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(tenant, { at, settings });
  }

  return {
    async loadSettings(tenant, opts = {}) {
      const hit = cache.get(tenant);
      if (hit && !opts.fresh && Date.now() - hit.at < CACHE_MS) return copy(hit.settings);
      const r = await ddb.send(new GetCommand({ TableName, Key: key(tenant) }));
      const settings = (r.Item ?? {}) as StoredSettings;
      remember(tenant, copy(settings));
      return settings;
    },

    async saveSettings(tenant, patch, alongside = []) {
      const sets: string[] = ['updatedAt = :now'];
      const values: Record<string, unknown> = { ':now': new Date().toISOString() };
      if (patch.retentionDays !== undefined) (sets.push('retentionDays = :r'), (values[':r'] = patch.retentionDays));
      if (patch.recording !== undefined) (sets.push('recording = :rec'), (values[':rec'] = patch.recording));
      await transactWrite(ddb, [{ Update: { TableName, Key: key(tenant), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeValues: values } }, ...alongside]);
      // This container applies its own change at once; without a copy to patch, the next read fetches it.
      const hit = cache.get(tenant);
      if (!hit) return;
      const settings: StoredSettings = { ...hit.settings, updatedAt: values[':now'] as string };
      if (patch.retentionDays !== undefined) settings.retentionDays = patch.retentionDays;
      if (patch.recording !== undefined) settings.recording = { ...patch.recording };
      remember(tenant, settings, hit.at);
    },

    async recordShardCount(tenant, shards) {
      try {
        await ddb.send(new UpdateCommand({
          TableName, Key: key(tenant),
          UpdateExpression: 'SET shards = :n',
          ConditionExpression: 'attribute_not_exists(shards) OR shards < :n',
          ExpressionAttributeValues: { ':n': shards },
        }));
        const hit = cache.get(tenant);
        if (hit) remember(tenant, { ...hit.settings, shards }, hit.at);
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') throw e;
        // Already at or above `shards` (the copy was stale): read it again next time rather than guess.
        cache.delete(tenant);
      }
    },
  };
}
