/**
 * The table adapters a script, a test or the local runner builds to work on a stack's
 * tables directly (issue a token, read what the handlers wrote), from explicit config:
 * the factories of lambdas/adapters/, never the handlers' environment.
 */
import { createDocumentClient, type DocumentClientConfig } from '../lambdas/adapters/dynamodb.js';
import { createEventStore } from '../lambdas/adapters/event-store.js';
import { createExportStore } from '../lambdas/adapters/export-store.js';
import { createSettingsStore } from '../lambdas/adapters/settings-store.js';
import { createTokenStore } from '../lambdas/adapters/token-store.js';
import { createTransactions } from '../lambdas/adapters/transactions.js';
import type { StackDefaults } from '../lambdas/settings/effective-settings.js';
import { LOCAL_AWS } from './dynamodb.js';

/** Where the tables are, and the stack parameters a tenant's settings fall back to. */
export interface TableAdaptersConfig extends DocumentClientConfig {
  readonly tables: { readonly events: string; readonly control: string };
  readonly defaults: StackDefaults;
}

/**
 * The adapters of both tables, on one document client. Settings are read afresh on every
 * call (no cache): a script or a test must see what is stored.
 */
export function tableAdapters({ tables, defaults, ...client }: TableAdaptersConfig) {
  const ddb = createDocumentClient(client);
  return {
    ddb,
    defaults,
    eventStore: createEventStore({ ddb, tableName: tables.events }),
    tokenStore: createTokenStore({ ddb, tableName: tables.control }),
    exportStore: createExportStore({ ddb, tableName: tables.control }),
    settingsStore: createSettingsStore({ ddb, tableName: tables.control, cacheSeconds: 0 }),
    transactions: createTransactions({ ddb, eventsTable: tables.events }),
  };
}

export type TableAdapters = ReturnType<typeof tableAdapters>;

/** What {@link localTableAdapters} needs of a local stack (`LocalEndpoints` has it all). */
export interface LocalTablesConfig {
  /** DynamoDB Local (or the fault proxy in front of it). */
  readonly dynamodb: string;
  readonly region: string;
  readonly tables: { readonly events: string; readonly control: string };
  /** The stack parameters the local handlers run with. */
  readonly parameters: { readonly RetentionDays: string; readonly MaxRetentionDays: string; readonly ShardCount: string };
}

/** {@link tableAdapters} of a local stack: its DynamoDB endpoint, fake credentials, its handlers' stack parameters. */
export function localTableAdapters(local: LocalTablesConfig): TableAdapters {
  return tableAdapters({
    endpoint: local.dynamodb,
    region: local.region,
    credentials: LOCAL_AWS.credentials,
    tables: local.tables,
    defaults: {
      retentionDays: Number(local.parameters.RetentionDays),
      maxRetentionDays: Number(local.parameters.MaxRetentionDays),
      shardCount: Number(local.parameters.ShardCount),
    },
  });
}
