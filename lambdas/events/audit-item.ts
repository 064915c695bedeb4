/**
 * The API's own audit events (tokens, settings, exports): built with the ingest
 * rules and the tenant's settings, written by the caller in the same
 * transaction as the change they record. Apart from record-events.ts so these
 * routes do not bundle the user-agent parser.
 */
import { prepareEvents } from '../core/ingest.js';
import type { EventItem } from '../core/keys.js';
import type { EventInput } from '../core/schemas.js';
import type { Principal } from '../shared/http.js';
import { type EffectiveSettings, effectiveSettings, type SettingsSources } from '../settings/effective-settings.js';

/** The tenant's ingest context; raises the shard high-water mark before anything is written under a new count. */
export async function ingestContext(sources: SettingsSources, tenant: string, loaded?: EffectiveSettings) {
  const settings = loaded ?? (await effectiveSettings(sources, tenant));
  const { shardCount } = sources.defaults;
  if (settings.storedShards < shardCount) await sources.settingsStore.recordShardCount(tenant, shardCount);
  return { ...settings, shardCount };
}

/** The actor of an audit event a request caused: its token, by id and name (readers see "billing service", not an id). */
export function tokenActor(by: Pick<Principal, 'tokenId' | 'tokenName'>): EventInput['actor'] {
  return { type: 'api_token', id: by.tokenId, ...(by.tokenName ? { name: by.tokenName } : {}) };
}

/**
 * The stored item of one audit event about the API itself (tokens, settings, exports), recorded whatever
 * the switches say. Pass `settings` when the caller has already loaded them.
 */
export async function auditItem(sources: SettingsSources, tenant: string, input: EventInput, settings?: EffectiveSettings): Promise<EventItem> {
  return prepareEvents(tenant, [input], { ...(await ingestContext(sources, tenant, settings)), force: true }).items[0]!;
}
