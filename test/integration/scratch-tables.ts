/**
 * Tables of a test's own, shaped like the stack's, for tests that must not share records with
 * the local stack of the global setup (its live-stream sweep closes connections of unknown
 * tokens every second, and its fan-out forgets connections it cannot reach).
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CONTROL_INDEX } from '../../lambdas/core/keys.js';

/** A fresh table keyed like the Control table (pk + sk, the byTenant index); its name. */
export async function createControlTable(ddb: DynamoDBDocumentClient, prefix: string): Promise<string> {
  const TableName = `${prefix}-${randomBytes(4).toString('hex')}`;
  await ddb.send(new CreateTableCommand({
    TableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', CONTROL_INDEX.partitionKey, CONTROL_INDEX.sortKey].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    GlobalSecondaryIndexes: [{
      IndexName: CONTROL_INDEX.name,
      KeySchema: [{ AttributeName: CONTROL_INDEX.partitionKey, KeyType: 'HASH' }, { AttributeName: CONTROL_INDEX.sortKey, KeyType: 'RANGE' }],
      Projection: { ProjectionType: 'ALL' },
    }],
  }));
  return TableName;
}
