/**
 * The HTTP API's route table: one source of truth for the CDK `Api` construct
 * (which creates one Lambda per route) and for the local runner (which invokes
 * the very same handler modules). Adding a route here adds it everywhere.
 */

/** What a route's handler may do with a table; becomes a `grant*` call. */
export type TableAccess = 'read' | 'readWrite';

/** One HTTP route and the handler module that serves it. */
export interface RouteSpec {
  /** PascalCase id, used for construct ids and function names. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Handler module, relative to the project root; it exports `handler`. */
  readonly entry: string;
  /** Table access the handler needs (least privilege). */
  readonly tables: { readonly events?: TableAccess; readonly control?: TableAccess };
  /** Public routes skip the authorizer (only the OpenAPI document). @default false */
  readonly public?: boolean;
}

export const ROUTES: readonly RouteSpec[] = [
  { id: 'IngestEvents', method: 'POST', path: '/v1/events', entry: 'lambdas/events/ingest.ts', tables: { events: 'readWrite', control: 'readWrite' } },
  { id: 'ListEvents', method: 'GET', path: '/v1/events', entry: 'lambdas/events/list.ts', tables: { events: 'read', control: 'read' } },
  { id: 'GetEvent', method: 'GET', path: '/v1/events/{id}', entry: 'lambdas/events/get.ts', tables: { events: 'read', control: 'read' } },
  { id: 'ListAccessLogs', method: 'GET', path: '/v1/access-logs', entry: 'lambdas/access-logs/list.ts', tables: { events: 'read', control: 'read' } },
  { id: 'CreateToken', method: 'POST', path: '/v1/tokens', entry: 'lambdas/tokens/create.ts', tables: { events: 'readWrite', control: 'readWrite' } },
  { id: 'ListTokens', method: 'GET', path: '/v1/tokens', entry: 'lambdas/tokens/list.ts', tables: { control: 'read' } },
  { id: 'RevokeToken', method: 'DELETE', path: '/v1/tokens/{id}', entry: 'lambdas/tokens/revoke.ts', tables: { events: 'readWrite', control: 'readWrite' } },
  { id: 'GetSettings', method: 'GET', path: '/v1/settings', entry: 'lambdas/settings/get.ts', tables: { control: 'read' } },
  { id: 'PutSettings', method: 'PUT', path: '/v1/settings', entry: 'lambdas/settings/put.ts', tables: { events: 'readWrite', control: 'readWrite' } },
  { id: 'GetOpenApi', method: 'GET', path: '/v1/openapi.json', entry: 'lambdas/docs/openapi.ts', tables: {}, public: true },
];

/** The Lambda authorizer module (token → tenant + scopes). */
export const AUTHORIZER_ENTRY = 'lambdas/auth/authorizer.ts';

/**
 * Environment variable names shared by the stack and the handlers' `config` module.
 * Values come from stack parameters and resources (see `AuditLogStack`).
 */
export const ENV = {
  eventsTable: 'EVENTS_TABLE',
  controlTable: 'CONTROL_TABLE',
  retentionDays: 'RETENTION_DAYS',
  maxRetentionDays: 'MAX_RETENTION_DAYS',
  shardCount: 'SHARD_COUNT',
  cursorSecret: 'CURSOR_SECRET',
} as const;
