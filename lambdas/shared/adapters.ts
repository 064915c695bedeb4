/**
 * The handlers' composition module: every adapter, built from `config` with its factory,
 * at most once per container (a cold start) and only when first asked for. Handlers ask at
 * module scope for what they use, so a missing variable fails the function at init, and a
 * function's bundle carries only the adapters (and SDK clients) it asks for.
 *
 * Tests, scripts and the local runner do not come through here: they call the factories
 * in `lambdas/adapters/` with an explicit config (an endpoint, table names).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { createDownloadLinks } from '../adapters/download-links.js';
import { createDocumentClient } from '../adapters/dynamodb.js';
import { createEventStore } from '../adapters/event-store.js';
import { createExportFiles } from '../adapters/export-files.js';
import { createExportStore } from '../adapters/export-store.js';
import { createMailer } from '../adapters/mailer.js';
import { createSettingsStore } from '../adapters/settings-store.js';
import { createTokenStore } from '../adapters/token-store.js';
import { createTransactions } from '../adapters/transactions.js';
import { createExportStarter } from '../adapters/workflow.js';
import { createConnectionsApi } from '../adapters/connections-api.js';
import { createStreamStore } from '../adapters/stream-store.js';
import type { SettingsSources, StackDefaults } from '../settings/effective-settings.js';
import { config } from './config.js';

/** `build`, run on the first call only. Marked pure where used so bundles drop what a handler never asks for. */
function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

/** The DynamoDB document client (endpoint, region and credentials: the SDK's, from Lambda's environment). */
export const documentClient = /* @__PURE__ */ once(() => createDocumentClient());
export const transactions = /* @__PURE__ */ once(() => createTransactions({ ddb: documentClient(), eventsTable: config.eventsTable }));
export const eventStore = /* @__PURE__ */ once(() => createEventStore({ ddb: documentClient(), tableName: config.eventsTable }));
export const tokenStore = /* @__PURE__ */ once(() => createTokenStore({ ddb: documentClient(), tableName: config.controlTable }));
export const exportStore = /* @__PURE__ */ once(() => createExportStore({ ddb: documentClient(), tableName: config.controlTable }));
export const settingsStore = /* @__PURE__ */ once(() =>
  createSettingsStore({ ddb: documentClient(), tableName: config.controlTable, cacheSeconds: config.settingsCacheSeconds }));

/** The stack parameters tenant settings fall back to. */
export const stackDefaults = /* @__PURE__ */ once((): StackDefaults => ({
  retentionDays: config.retentionDays, maxRetentionDays: config.maxRetentionDays, shardCount: config.shardCount,
}));
/** What a tenant's effective settings come from: its stored settings and the stack's defaults. */
export const settingsSources = /* @__PURE__ */ once((): SettingsSources => ({ settingsStore: settingsStore(), defaults: stackDefaults() }));

export const exportFiles = /* @__PURE__ */ once(() =>
  createExportFiles({ s3: new S3Client({ maxAttempts: 5, forcePathStyle: config.s3ForcePathStyle }), bucket: config.exportsBucket }));
export const downloadLinks = /* @__PURE__ */ once(() =>
  createDownloadLinks({ region: config.region, bucket: config.exportsBucket, signer: config.exportSigner, endpoint: config.s3Endpoint }));
export const mailer = /* @__PURE__ */ once(() => createMailer({ ses: new SESv2Client({ maxAttempts: 5 }), from: config.senderEmail }));
export const exportStarter = /* @__PURE__ */ once(() =>
  createExportStarter({ sfn: new SFNClient({ maxAttempts: 5 }), stateMachineArn: config.exportStateMachineArn }));

/** Live-stream tickets and connections (Control table). */
export const streamStore = /* @__PURE__ */ once(() => createStreamStore({ ddb: documentClient(), tableName: config.controlTable }));
/** The live stream's `@connections` API. */
export const connectionsApi = /* @__PURE__ */ once(() => createConnectionsApi({ endpoint: config.connectionsEndpoint }));
