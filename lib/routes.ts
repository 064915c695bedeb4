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
  /**
   * What the handler does with exports (see `ExportWorkflow`): `request` starts the
   * export state machine, `read` presigns download links of finished exports.
   * @default - none
   */
  readonly exports?: ExportAccess;
}

/** A route's use of the export workflow; becomes an `ExportWorkflow.grant*` call. */
export type ExportAccess = 'request' | 'read';

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
  { id: 'CreateExport', method: 'POST', path: '/v1/exports', entry: 'lambdas/exports/create.ts', tables: { events: 'readWrite', control: 'readWrite' }, exports: 'request' },
  { id: 'ListExports', method: 'GET', path: '/v1/exports', entry: 'lambdas/exports/list.ts', tables: { control: 'read' }, exports: 'read' },
  { id: 'GetExport', method: 'GET', path: '/v1/exports/{id}', entry: 'lambdas/exports/get.ts', tables: { control: 'read' }, exports: 'read' },
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
  /** Bucket of export files (ExportWorkflow). */
  exportsBucket: 'EXPORTS_BUCKET',
  /** ARN of the export state machine (set on the routes that start it). */
  exportStateMachine: 'EXPORT_STATE_MACHINE_ARN',
  /** Lifetime of a download link, hours (stack parameter ExportLinkTtlHours). */
  exportLinkTtlHours: 'EXPORT_LINK_TTL_HOURS',
  /** Days an export file is kept (stack parameter ExportRetentionDays); links never outlive the file. */
  exportRetentionDays: 'EXPORT_RETENTION_DAYS',
  /** Verified SES sender of export mails (stack parameter SenderEmail). */
  senderEmail: 'SENDER_EMAIL',
  /** Access key id of the download-link signer (an IAM user allowed only s3:GetObject on export files). */
  exportSignerKeyId: 'EXPORT_SIGNER_KEY_ID',
  /** Its secret access key (a Secrets Manager dynamic reference in the template). */
  exportSignerSecret: 'EXPORT_SIGNER_SECRET',
  /** Target size of one multipart part (bytes, ≥ 5 MiB). @default 8 MiB */
  exportPartBytes: 'EXPORT_PART_BYTES',
  /** Most rows one chunk writes before handing over to the next (tests set it low to exercise many chunks). @default 1,000,000 */
  exportChunkMaxRows: 'EXPORT_CHUNK_MAX_ROWS',
} as const;

/**
 * The export state machine's Lambda tasks (see `ExportWorkflow`): construct id → handler
 * module. The local runner binds each Task state of the synthesized definition to the
 * module of the function it invokes, found by this id.
 *
 * Every task gets `{ tenant, exportId }` (plus `error` for `FailExport`).
 */
export const EXPORT_TASKS = {
  /** Marks the export running and opens the S3 multipart upload. */
  BeginExport: 'lambdas/exports/begin.ts',
  /** Writes one bounded chunk (one part, or a carry-over) and commits progress; returns `{ done, rowCount }`. */
  WriteExportChunk: 'lambdas/exports/write-chunk.ts',
  /** Completes the multipart upload from the recorded parts. */
  CompleteExport: 'lambdas/exports/complete.ts',
  /** Mails the download link and marks the export succeeded. */
  NotifyExport: 'lambdas/exports/notify.ts',
  /** Aborts the upload, removes partial files, marks the export failed and mails why. */
  FailExport: 'lambdas/exports/fail.ts',
} as const;
export type ExportTaskId = keyof typeof EXPORT_TASKS;
