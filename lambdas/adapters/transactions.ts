/**
 * All-or-nothing writes across tables: a change of a token or of settings and
 * the audit event that records it land together or not at all.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EventItem } from '../core/keys.js';
import type { DocumentClient } from './dynamodb.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Runs `items` as one DynamoDB transaction. */
export async function transactWrite(ddb: DocumentClient, items: TransactItem[]): Promise<void> {
  await ddb.send(new TransactWriteCommand({ TransactItems: items }));
}

/** What {@link createTransactions} needs. */
export interface TransactionsConfig {
  readonly ddb: DocumentClient;
  /** The Events table, where audit events go. */
  readonly eventsTable: string;
}

/** Transactions, and the audit-event write that goes in them. */
export interface Transactions {
  /** A Put of a new audit event (never overwriting one). */
  putAuditEvent(item: EventItem): TransactItem;
  /** Runs `items` as one DynamoDB transaction. */
  transact(items: TransactItem[]): Promise<void>;
}

/** Transactions on `ddb`, with audit events put in `eventsTable`. */
export function createTransactions({ ddb, eventsTable }: TransactionsConfig): Transactions {
  return {
    putAuditEvent: (item) => ({ Put: { TableName: eventsTable, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }),
    transact: (items) => transactWrite(ddb, items),
  };
}
