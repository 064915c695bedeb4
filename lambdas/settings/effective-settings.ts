/**
 * A tenant's effective settings: its overrides on top of the stack defaults
 * (RetentionDays, capped by MaxRetentionDays), and the timeline shards readers
 * must cover.
 */
import type { SettingsStore } from '../adapters/settings-store.js';

/** The stack parameters tenant settings fall back to (RetentionDays, MaxRetentionDays, ShardCount). */
export interface StackDefaults {
  readonly retentionDays: number;
  readonly maxRetentionDays: number;
  /** Current write shard count. */
  readonly shardCount: number;
}

/** What a tenant's effective settings come from (handlers: `settingsSources()` of shared/adapters.ts). */
export interface SettingsSources {
  readonly settingsStore: SettingsStore;
  readonly defaults: StackDefaults;
}

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
export async function effectiveSettings({ settingsStore, defaults }: SettingsSources, tenant: string, opts: { fresh?: boolean } = {}): Promise<EffectiveSettings> {
  const stored = await settingsStore.loadSettings(tenant, opts);
  return {
    retentionDays: Math.min(stored.retentionDays ?? defaults.retentionDays, defaults.maxRetentionDays),
    recording: stored.recording ?? {},
    shards: Math.max(stored.shards ?? 0, defaults.shardCount),
    storedShards: stored.shards ?? 0,
  };
}
