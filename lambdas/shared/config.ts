/**
 * The one place handlers read configuration. Each getter validates its
 * variable; modules read what they need at module scope, so a missing or
 * malformed variable fails the function at init (loudly), not mid-request.
 */
import { ENV } from '../../lib/routes.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Missing required environment variable ${name}`);
  return value;
}

function positiveInt(name: string, fallback?: number): number {
  const raw = process.env[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`Environment variable ${name} must be a positive integer, got '${raw}'`);
  return value;
}

export const config = {
  get eventsTable() { return required(ENV.eventsTable); },
  get controlTable() { return required(ENV.controlTable); },
  /** Default retention (stack parameter RetentionDays). */
  get retentionDays() { return positiveInt(ENV.retentionDays); },
  /** Upper bound for a tenant's retention override (stack parameter MaxRetentionDays). */
  get maxRetentionDays() { return positiveInt(ENV.maxRetentionDays); },
  /** Current write shard count (stack parameter ShardCount). */
  get shardCount() { return positiveInt(ENV.shardCount); },
  /** HMAC key for cursors. */
  get cursorSecret() { return required(ENV.cursorSecret); },
  /** Authorizer's in-memory token cache lifetime (s); with API Gateway's 30 s cache a revocation bites within 60 s. */
  get tokenCacheSeconds() { return Number(process.env.TOKEN_CACHE_SECONDS ?? 25); },
};
