/**
 * A tenant's effective settings: its overrides on top of the stack defaults
 * (RetentionDays, capped by MaxRetentionDays), and the timeline shards readers
 * must cover.
 */
import { loadSettings } from '../adapters/settings-store.js';
import { config } from '../shared/config.js';

export interface EffectiveSettings {
  retentionDays: number;
  recording: Record<string, boolean>;
  /** Shards to read: every shard count ever used. */
  shards: number;
  /** Shard high-water mark as stored (0 when never written). */
  storedShards: number;
}

/**
 * The tenant's settings as the functions apply them. They may be up to `config.settingsCacheSeconds`
 * old (see adapters/settings-store.ts) unless `fresh` is set.
 */
export async function effectiveSettings(tenant: string, opts: { fresh?: boolean } = {}): Promise<EffectiveSettings> {
  const stored = await loadSettings(tenant, opts);
  return {
    retentionDays: Math.min(stored.retentionDays ?? config.retentionDays, config.maxRetentionDays),
    recording: stored.recording ?? {},
    shards: Math.max(stored.shards ?? 0, config.shardCount),
    storedShards: stored.shards ?? 0,
  };
}
