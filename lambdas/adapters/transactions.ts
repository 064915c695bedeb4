/**
 * All-or-nothing writes across tables: a change of a token or of settings and
 * the audit event that records it land together or not at all.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { EventItem } from '../core/keys.js';
import { config } from '../shared/config.js';
import { ddb } from './dynamodb.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** A Put of a new audit event (never overwriting one). */
export const putAuditEvent = (item: EventItem): TransactItem => ({
  Put: { TableName: config.eventsTable, Item: item, ConditionExpression: 'attribute_not_exists(pk)' },
});

/** Runs `items` as one DynamoDB transaction. */
export async function transact(items: TransactItem[]): Promise<void> {
  await ddb.send(new TransactWriteCommand({ TransactItems: items }));
}
