/**
 * Environment variable names shared by the stack (which sets them: lib/needs.ts and the
 * constructs' grant methods) and the handlers' `config` module (which reads them).
 * Values come from stack parameters and resources (see `AuditLogStack`).
 *
 * Free of CDK imports and of anything else: handlers bundle it (through `config`), so it
 * stays apart from the catalogue, which re-exports it (`lib/catalogue.ts`).
 */
export const ENV = {
  eventsTable: 'EVENTS_TABLE',
  controlTable: 'CONTROL_TABLE',
  retentionDays: 'RETENTION_DAYS',
  maxRetentionDays: 'MAX_RETENTION_DAYS',
  shardCount: 'SHARD_COUNT',
  cursorSecret: 'CURSOR_SECRET',
  /**
   * Seconds a function may reuse a tenant's settings it read (or wrote) instead of reading them
   * again; 0 reads them on every request. @default 10 (see `config.settingsCacheSeconds`)
   */
  settingsCacheSeconds: 'SETTINGS_CACHE_SECONDS',
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
  /** The live stream's WebSocket URL (`wss://…/{stage}`), handed out with tickets (LiveStream). */
  streamUrl: 'STREAM_URL',
  /** The live stream's `@connections` endpoint (`https://…/{stage}`), for sending to connections (LiveStream). */
  connectionsEndpoint: 'CONNECTIONS_ENDPOINT',
  /** Directory of the built web viewer's files (bundled beside the serving function's code). */
  viewerAssetsDir: 'VIEWER_ASSETS_DIR',
  /** CSP `frame-ancestors` sources of the viewer (stack parameter ViewerFrameAncestors). */
  viewerFrameAncestors: 'VIEWER_FRAME_ANCESTORS',
} as const;
