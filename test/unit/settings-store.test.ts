/**
 * The per-container settings cache with a stubbed SDK client: a copy is reused for
 * SETTINGS_CACHE_SECONDS and read again after, `fresh` always reads, this container's own
 * writes (settings and the shard mark) apply to its copy at once without extending its life,
 * and callers cannot change the cached copy.
 */
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb.js';
import { createSettingsStore } from '../../lambdas/adapters/settings-store.js';

const ddb = createDocumentClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const { loadSettings, recordShardCount, saveSettings } = createSettingsStore({ ddb, tableName: 'control-test', cacheSeconds: 10 });

afterEach(() => {
  vi.mocked(ddb.send).mockRestore?.();
  vi.useRealTimers();
});

/** Stubs the Control table with one settings item per tenant; counts GetItems. */
function stubControl(stored: Record<string, Record<string, unknown>>) {
  const gets: string[] = [];
  vi.spyOn(ddb, 'send').mockImplementation(async (command: unknown) => {
    if (command instanceof GetCommand) {
      const tenant = String(command.input.Key!.pk).slice('TENANT#'.length);
      gets.push(tenant);
      return { Item: stored[tenant] && structuredClone(stored[tenant]) };
    }
    if (command instanceof TransactWriteCommand) return {};
    if (command instanceof UpdateCommand) {
      const tenant = String(command.input.Key!.pk).slice('TENANT#'.length);
      const n = command.input.ExpressionAttributeValues![':n'] as number;
      const current = (stored[tenant]?.shards as number | undefined) ?? 0;
      if (current >= n) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      stored[tenant] = { ...stored[tenant], shards: n };
      return {};
    }
    throw new Error(`unexpected command ${String(command)}`);
  });
  return { gets };
}

describe('loadSettings', () => {
  it('reuses a copy for SETTINGS_CACHE_SECONDS, then reads again', async () => {
    // Prepare
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const { gets } = stubControl({ a: { retentionDays: 30, shards: 4 } });

    // Act
    const first = await loadSettings('a');
    const second = await loadSettings('a');
    vi.advanceTimersByTime(9_999);
    await loadSettings('a');
    vi.advanceTimersByTime(2);
    const later = await loadSettings('a');

    // Assess
    expect(first).toEqual({ retentionDays: 30, shards: 4 });
    expect(second).toEqual(first);
    expect(later).toEqual(first);
    expect(gets).toEqual(['a', 'a']);
  });

  it('reads every time with fresh, and keeps what it read', async () => {
    // Prepare
    const stored: Record<string, Record<string, unknown>> = { b: { retentionDays: 30 } };
    const { gets } = stubControl(stored);
    await loadSettings('b');
    stored.b = { retentionDays: 7 };

    // Act
    const cached = await loadSettings('b');
    const fresh = await loadSettings('b', { fresh: true });
    const after = await loadSettings('b');

    // Assess
    expect(cached.retentionDays).toBe(30);
    expect(fresh.retentionDays).toBe(7);
    expect(after.retentionDays).toBe(7);
    expect(gets).toEqual(['b', 'b']);
  });

  it('applies this container\'s own settings change to its copy at once, without extending its life', async () => {
    // Prepare
    vi.useFakeTimers({ now: Date.parse('2026-12-01T00:00:00Z') });
    const { gets } = stubControl({ c: { retentionDays: 30, recording: { billing: false }, shards: 4 } });
    await loadSettings('c', { fresh: true });
    vi.advanceTimersByTime(6_000);

    // Act
    await saveSettings('c', { recording: { auth: false } });
    const patched = await loadSettings('c');
    vi.advanceTimersByTime(4_001);
    await loadSettings('c');

    // Assess
    expect(patched).toMatchObject({ retentionDays: 30, recording: { auth: false }, shards: 4 });
    expect(gets).toEqual(['c', 'c']);
  });

  it('raises the cached shard mark when it raised the stored one, and reads again when it was stale', async () => {
    // Prepare
    const stored: Record<string, Record<string, unknown>> = { d: { shards: 4 } };
    const { gets } = stubControl(stored);
    await loadSettings('d');

    // Act
    await recordShardCount('d', 8);
    const raised = await loadSettings('d');
    stored.d = { shards: 16 }; // raised meanwhile by another container
    await recordShardCount('d', 12); // a no-op on the table: the copy was stale
    const reread = await loadSettings('d');

    // Assess
    expect(raised.shards).toBe(8);
    expect(reread.shards).toBe(16);
    expect(gets).toEqual(['d', 'd']);
  });

  it('hands out copies: a caller changing its settings does not change the cached ones', async () => {
    // Prepare
    stubControl({ e: { recording: { billing: false } } });
    const first = await loadSettings('e');

    // Act
    first.recording!.billing = true;
    first.retentionDays = 1;
    const second = await loadSettings('e');

    // Assess
    expect(second).toEqual({ recording: { billing: false } });
  });
});
