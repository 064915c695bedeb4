/**
 * The one place handlers read configuration, and the only module of lambdas/ that
 * reads `process.env`. Each getter reads and validates its variable when called
 * (never at import); the composition module (`shared/adapters.ts`) builds the
 * adapters from it, and handlers build what they need at module scope, so a
 * missing or malformed variable fails the function at init (loudly), not
 * mid-request.
 */
// lib/env.ts, not the catalogue that re-exports it: handlers bundle only the names.
import { ENV } from '../../lib/env.js';
import { NO_FRAMING } from '../core/viewer.js';

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

function nonNegativeInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`Environment variable ${name} must be a non-negative integer, got '${raw}'`);
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
  /** Bucket of export files. */
  get exportsBucket() { return required(ENV.exportsBucket); },
  /** The export state machine. */
  get exportStateMachineArn() { return required(ENV.exportStateMachine); },
  /** Lifetime of a download link, hours (stack parameter ExportLinkTtlHours, ≤ 168: SigV4's limit). */
  get exportLinkTtlHours() { return Math.min(positiveInt(ENV.exportLinkTtlHours), 168); },
  /** Days an export file is kept (stack parameter ExportRetentionDays). */
  get exportRetentionDays() { return positiveInt(ENV.exportRetentionDays); },
  /** SES sender of export mails (stack parameter SenderEmail). */
  get senderEmail() { return required(ENV.senderEmail); },
  /** The long-lived key that signs download links (see ExportWorkflow). */
  get exportSigner() { return { accessKeyId: required(ENV.exportSignerKeyId), secretAccessKey: required(ENV.exportSignerSecret) }; },
  /** Target bytes of one multipart part. */
  get exportPartBytes() { return positiveInt(ENV.exportPartBytes, 8 * 1024 * 1024); },
  /** Most rows one chunk writes. */
  get exportChunkMaxRows() { return positiveInt(ENV.exportChunkMaxRows, 1_000_000); },
  /** The live stream's WebSocket URL, handed out with tickets. */
  get streamUrl() { return required(ENV.streamUrl); },
  /** The live stream's `@connections` endpoint. */
  get connectionsEndpoint() { return required(ENV.connectionsEndpoint); },
  /** Directory of the built web viewer's files. */
  get viewerAssetsDir() { return required(ENV.viewerAssetsDir); },
  /** Who may frame the viewer (CSP frame-ancestors sources; stack parameter ViewerFrameAncestors). @default 'none' */
  get viewerFrameAncestors() { return process.env[ENV.viewerFrameAncestors] || NO_FRAMING; },
  /** AWS region the functions run in. */
  get region() { return required('AWS_REGION'); },
  /**
   * How long a function reuses a tenant's settings (retention, recording switches, shard mark) it
   * read or wrote, in seconds; 0 reads them on every request. A change made through PUT /v1/settings
   * applies at once in the function that made it and within this many seconds in the others.
   */
  get settingsCacheSeconds() { return nonNegativeInt(ENV.settingsCacheSeconds, 10); },
  /** Authorizer's in-memory token cache lifetime (s); with API Gateway's 30 s cache a revocation bites within 60 s. */
  get tokenCacheSeconds() { return Number(process.env.TOKEN_CACHE_SECONDS ?? 25); },
  /**
   * An S3 endpoint other than AWS's (locally: s3rver), which download links address path-style;
   * the SDK's S3 client reads the same variable itself. @default - AWS (virtual-hosted links)
   */
  get s3Endpoint() { return process.env.AWS_ENDPOINT_URL_S3 || undefined; },
  /** Path-style S3 addressing (locally: s3rver has no virtual-hosted buckets). @default false */
  get s3ForcePathStyle() { return process.env.AWS_S3_FORCE_PATH_STYLE === 'true'; },
  /** Powertools service name of logs and metrics. @default 'audit-log' */
  get serviceName() { return process.env.POWERTOOLS_SERVICE_NAME ?? 'audit-log'; },
  /** CloudWatch metrics namespace. @default 'AuditLog' */
  get metricsNamespace() { return process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'AuditLog'; },
};
