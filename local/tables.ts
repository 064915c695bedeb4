/**
 * Creates the stack's DynamoDB tables on DynamoDB Local from the synthesized template,
 * so the local schema (keys, indexes, TTL, stream) can never drift from the deployed one.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  type LocalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { LOCAL_AWS } from './dynamodb.js';
import { resourcesOfType, shortLogicalId, type CfnResource, type CfnTemplate } from './template.js';

/** CloudFormation types that define a DynamoDB table (`Table` and `TableV2`). */
export const TABLE_TYPES = ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'];

/** Local table names: `events` and `control`, plus any other table under its short logical id. */
export type LocalTables = { events: string; control: string } & Record<string, string>;

/** The local name of a table resource: `audit-log-<logical id without hash>`. */
export function localTableName(logicalId: string): string {
  return `audit-log-${shortLogicalId(logicalId)}`;
}

/** Maps every table of the template to its local name; `events`/`control` match logical ids containing `Events`/`Control`. */
export function localTableNames(template: CfnTemplate): LocalTables {
  const names: Record<string, string> = {};
  for (const [id] of resourcesOfType(template, ...TABLE_TYPES)) {
    const key = id.includes('Events') ? 'events' : id.includes('Control') ? 'control' : shortLogicalId(id);
    names[key] = localTableName(id);
  }
  if (!names.events || !names.control) {
    throw new Error(`Expected an Events and a Control table in the template, found: ${Object.keys(names).join(', ') || 'none'}`);
  }
  return names as LocalTables;
}

/**
 * CreateTable input from a table resource's Properties. Keeps what shapes the data
 * (keys, indexes with projections, stream, billing); drops what DynamoDB Local cannot
 * take or ignores (SSE, PITR, table class, deletion protection, tags, contributor insights).
 */
export function createTableInput(resource: CfnResource, tableName: string): CreateTableCommandInput {
  const p = resource.Properties ?? {};
  const index = (i: Record<string, any>) => ({
    IndexName: i.IndexName,
    KeySchema: i.KeySchema,
    Projection: i.Projection ?? { ProjectionType: 'ALL' },
  });
  const provisioned = p.BillingMode === 'PROVISIONED';
  const input: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: p.KeySchema,
    AttributeDefinitions: p.AttributeDefinitions,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
  };
  if (provisioned) input.ProvisionedThroughput = p.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };
  if (p.GlobalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = p.GlobalSecondaryIndexes.map((i: Record<string, any>): GlobalSecondaryIndex => ({
      ...index(i),
      ...(provisioned ? { ProvisionedThroughput: i.ProvisionedThroughput ?? input.ProvisionedThroughput } : {}),
    }));
  }
  if (p.LocalSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = p.LocalSecondaryIndexes.map((i: Record<string, any>): LocalSecondaryIndex => index(i));
  }
  if (p.StreamSpecification?.StreamViewType) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType };
  }
  return input;
}

/**
 * Creates every table of the template on the given DynamoDB endpoint (skipping tables
 * that already exist) and applies their TimeToLiveSpecification.
 *
 * @returns the local table names (see {@link localTableNames})
 */
export async function createTables(template: CfnTemplate, endpoint: string): Promise<LocalTables> {
  const names = localTableNames(template);
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  try {
    await Promise.all(
      resourcesOfType(template, ...TABLE_TYPES).map(async ([id, resource]) => {
        const tableName = localTableName(id);
        if (await exists(client, tableName)) return;
        await client.send(new CreateTableCommand(createTableInput(resource, tableName)));
        const ttl = resource.Properties?.TimeToLiveSpecification;
        if (ttl?.Enabled && ttl.AttributeName) {
          await client.send(new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }));
        }
      }),
    );
  } finally {
    client.destroy();
  }
  return names;
}

async function exists(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return false;
    throw err;
  }
}

/**
 * How the tables on `endpoint` differ from the template (key schema, index names and keys),
 * as sentences; empty when they match. Tables kept from an earlier run (`npm start -- --persist`)
 * are not recreated, so a template that changed since then shows up here.
 */
export async function tableDifferences(template: CfnTemplate, endpoint: string): Promise<string[]> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const keys = (k: unknown) => JSON.stringify(k ?? []);
  const indexes = (list: readonly { IndexName?: string; KeySchema?: unknown }[] | undefined) =>
    new Map((list ?? []).map((i) => [i.IndexName ?? '', keys(i.KeySchema)]));
  try {
    const found = await Promise.all(resourcesOfType(template, ...TABLE_TYPES).map(async ([id, resource]) => {
      const name = localTableName(id);
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const p = resource.Properties ?? {};
      const out: string[] = [];
      if (keys(Table?.KeySchema) !== keys(p.KeySchema)) out.push(`table ${name} has another key schema`);
      const want = indexes(p.GlobalSecondaryIndexes);
      const have = indexes(Table?.GlobalSecondaryIndexes);
      for (const [index, schema] of want) {
        if (!have.has(index)) out.push(`table ${name} lacks index ${index}`);
        else if (have.get(index) !== schema) out.push(`index ${index} of table ${name} has other keys`);
      }
      for (const index of have.keys()) if (!want.has(index)) out.push(`table ${name} has an index the template dropped: ${index}`);
      return out;
    }));
    return found.flat();
  } finally {
    client.destroy();
  }
}
