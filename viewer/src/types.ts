/**
 * The public API's shapes as the viewer uses them (see CONTRACT.md and GET /v1/openapi.json).
 * Written from the contract, not imported from the server: the viewer depends on the public
 * surface only.
 */

export type ActorType = 'user' | 'service' | 'system' | 'api_token';
export type Result = 'success' | 'failure' | 'invalid_input';
export type Severity = 'info' | 'notice' | 'warning' | 'critical';
export type Scope = 'events:write' | 'events:read' | 'exports:write' | 'admin';
export const RESULTS: readonly Result[] = ['success', 'failure', 'invalid_input'];
export const SEVERITIES: readonly Severity[] = ['info', 'notice', 'warning', 'critical'];
export const SCOPES: readonly Scope[] = ['events:read', 'events:write', 'exports:write', 'admin'];
export const RANGES = ['24h', '7d', '30d'] as const;
export type RangePreset = (typeof RANGES)[number];

/** An event as `GET /v1/events` returns it. */
export interface AuditEvent {
  readonly id: string;
  readonly occurredAt: string;
  readonly receivedAt: string;
  readonly action: string;
  readonly category: string;
  readonly actor: { readonly type: ActorType; readonly id: string; readonly name?: string; readonly email?: string };
  readonly resource?: { readonly type: string; readonly id: string; readonly name?: string };
  readonly project?: string;
  readonly ip?: string;
  readonly userAgent?: string;
  readonly client?: { readonly browser?: string; readonly os?: string; readonly device?: string };
  readonly result: Result;
  readonly severity: Severity;
  readonly message?: string;
  readonly changes?: { readonly before?: Record<string, unknown>; readonly after?: Record<string, unknown>; readonly fields?: readonly string[] };
  readonly metadata?: Record<string, unknown>;
}

/**
 * Filters of `GET /v1/events` (and exports; the live stream takes them without the time
 * window). Every field is optional; `action` may end in `.*` (a prefix).
 */
export interface EventFilters {
  from?: string;
  to?: string;
  range?: RangePreset;
  action?: string[];
  category?: string;
  actor?: string;
  actorEmail?: string;
  resourceType?: string;
  resourceId?: string;
  project?: string;
  result?: Result;
  severity?: Severity;
  q?: string;
}

/** A page of a cursor-paged list. */
export interface Page {
  readonly nextCursor: string | null;
}
export interface EventsPage extends Page { readonly events: AuditEvent[] }

/** One row of `GET /v1/access-logs`. */
export interface AccessLogGroup {
  readonly actor: AuditEvent['actor'];
  readonly ip?: string;
  readonly client?: AuditEvent['client'];
  readonly userAgent?: string;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly count: number;
  readonly result: Result;
}
export interface AccessLogsPage extends Page { readonly groups: AccessLogGroup[] }

export type ExportStatus = 'queued' | 'running' | 'succeeded' | 'failed';
/** `GET /v1/exports/{id}` (and the items of `GET /v1/exports`); absent values are `null`. */
export interface ExportJob {
  readonly id: string;
  readonly status: ExportStatus;
  readonly format?: string;
  /** Rows written so far while running; the total once succeeded. */
  readonly rowCount?: number | null;
  readonly bytes?: number | null;
  readonly createdAt: string;
  readonly startedAt?: string | null;
  readonly completedAt?: string | null;
  /** A freshly presigned link while succeeded and the file exists. */
  readonly downloadUrl?: string | null;
  readonly downloadUrlExpiresAt?: string | null;
  readonly fileExpiresAt?: string | null;
  readonly error?: string | null;
  readonly filters?: EventFilters;
  readonly email?: string;
}
export interface ExportsPage extends Page { readonly exports: ExportJob[] }

/** A token's fixed filters. */
export interface Restriction { project?: string; actor?: string; resourceType?: string; category?: string }

/** `GET /v1/tokens` row; `POST /v1/tokens` adds `token` (shown once). */
export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly restrict?: Restriction;
  readonly createdAt: string;
  readonly expiresAt?: string;
  /** Set once revoked (the list keeps revoked tokens). */
  readonly revokedAt?: string;
  /** For a viewer session's token: whom it was issued to. */
  readonly viewer?: { readonly id: string; readonly name?: string; readonly email?: string };
  readonly token?: string;
}
/** `GET /v1/tokens`. */
export interface TokensList { readonly tokens: TokenInfo[] }

/** `GET /v1/settings`. */
export interface Settings {
  readonly retentionDays: number;
  readonly recording: Record<string, boolean>;
  /** The stack's bounds (`RetentionDays`, `MaxRetentionDays`). */
  readonly defaultRetentionDays?: number;
  readonly maxRetentionDays?: number;
}

/** `GET /v1/session`: what the viewer's own token may do. */
export interface SessionInfo {
  readonly tokenId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly restrict?: Restriction;
  readonly expiresAt?: string;
  readonly viewer?: { readonly id: string; readonly name?: string; readonly email?: string };
}

/** `POST /v1/stream-tickets`. */
export interface StreamTicket { readonly url: string; readonly expiresAt: string }

/** The contract's error object. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: readonly { readonly path: string; readonly message: string }[] };
}
