/**
 * The DynamoDB fault proxy (local/dynamodb-proxy.ts) over the network, in front of the
 * run's DynamoDB Local: a proxy of its own per file (its own rules), SDK clients with
 * retries off so every throttled answer is seen as the SDK sees it.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { isThrottlingError } from '@smithy/core/retry';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { startDynamoDbProxy, THROTTLE_ERRORS, type DynamoDbProxy } from '../../local/dynamodb-proxy.js';
import { Faults, FaultRuleError, type DynamoDbThrottleRule } from '../../local/faults.js';
import { rejection } from './support.js';

const local = inject('local');
const Table = local.tables.events;

const faults = new Faults();
let proxy: DynamoDbProxy;
let viaProxy: DynamoDBDocumentClient;
let direct: DynamoDBDocumentClient;
const client = (endpoint: string) => DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 }));

beforeAll(async () => {
  proxy = await startDynamoDbProxy({ target: local.dynamodb, faults });
  viaProxy = client(proxy.endpoint);
  direct = client(local.dynamodb);
});
afterAll(async () => {
  viaProxy.destroy();
  direct.destroy();
  await proxy.stop();
});
afterEach(() => faults.clear());

/** Items of a fresh tenant: `pk` `<tenant>#<i>`, and the attributes the table's indexes need. */
function items(tenant: string, n: number) {
  return Array.from({ length: n }, (_, i) => ({
    pk: `${tenant}#e${i}`, s: `2026-01-01T00:00:00.000Z#e${i}`, tp: `${tenant}#0`, ap: `${tenant}#a`, b: 'x', n: i,
  }));
}
const tenantId = () => `px-${randomUUID().slice(0, 8)}`;
const throttle = (rule: Omit<DynamoDbThrottleRule, 'kind'>) => faults.add({ kind: 'dynamodb-throttle', ...rule });


describe('DynamoDB fault proxy', () => {
  it('forwards every operation untouched while no rule is active', async () => {
    // Prepare
    const tenant = tenantId();
    const [one, ...rest] = items(tenant, 30);

    // Act
    await viaProxy.send(new PutCommand({ TableName: Table, Item: one }));
    await viaProxy.send(new BatchWriteCommand({ RequestItems: { [Table]: rest.slice(0, 25).map((Item) => ({ PutRequest: { Item } })) } }));
    const got = await viaProxy.send(new GetCommand({ TableName: Table, Key: { pk: one!.pk } }));
    const queried = await viaProxy.send(new QueryCommand({ TableName: Table, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp', ExpressionAttributeValues: { ':tp': `${tenant}#0` } }));
    const tables = await viaProxy.send(new ListTablesCommand({}));

    // Assess
    expect(got.Item).toEqual(one);
    expect(queried.Items).toHaveLength(26);
    expect(tables.TableNames).toContain(Table);
  });

  it('answers DynamoDB\'s own throttling errors, which the SDK classifies as throttling', async () => {
    // Prepare
    const tenant = tenantId();
    const [item] = items(tenant, 1);
    throttle({ share: 1, operations: ['PutItem'], error: 'ProvisionedThroughputExceededException' });
    const raw = (error: string) => fetch(proxy.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem', authorization: 'AWS4-HMAC-SHA256 Credential=local/x' },
      body: JSON.stringify({ TableName: Table, Item: { pk: { S: `${tenant}#${error}` } } }),
    });

    // Act
    const sdkError = await rejection(viaProxy.send(new PutCommand({ TableName: Table, Item: item })));
    const wire = await raw('p');
    faults.clear();
    throttle({ share: 1, error: 'ThrottlingException' });
    const wire2 = await raw('t');
    const sdkError2 = await rejection(viaProxy.send(new GetCommand({ TableName: Table, Key: { pk: item!.pk } })));
    faults.clear();
    const stored = await direct.send(new GetCommand({ TableName: Table, Key: { pk: item!.pk } }));

    // Assess
    expect(sdkError.name).toBe('ProvisionedThroughputExceededException');
    expect(sdkError2.name).toBe('ThrottlingException');
    for (const e of [sdkError, sdkError2]) {
      expect(e.$metadata?.httpStatusCode).toBe(400);
      expect(isThrottlingError(e as never)).toBe(true);
    }
    expect(wire.status).toBe(400);
    expect(wire.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(wire.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await wire.text()).toBe(JSON.stringify({ __type: THROTTLE_ERRORS.ProvisionedThroughputExceededException.type, message: THROTTLE_ERRORS.ProvisionedThroughputExceededException.message }));
    expect(await wire2.json()).toEqual({ __type: 'com.amazon.coral.availability#ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' });
    expect(stored.Item).toBeUndefined(); // a throttled write never reaches DynamoDB Local
  });

  it('throttles the configured share of matching calls, deterministically for a seed, and mixes both errors by default', async () => {
    // Prepare
    const tenant = tenantId();
    const key = { pk: `${tenant}#none` };
    const run = async (seed: number) => {
      faults.clear();
      const id = throttle({ share: 0.3, operations: 'reads', seed });
      const fates: string[] = [];
      for (let i = 0; i < 300; i++) {
        fates.push(await viaProxy.send(new GetCommand({ TableName: Table, Key: key })).then(() => 'ok', (e: Error) => e.name));
      }
      return { fates, rule: faults.list().find((f) => f.id === id)! };
    };

    // Act
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    const writes = await viaProxy.send(new PutCommand({ TableName: Table, Item: items(tenant, 1)[0] })).then(() => 'ok', (e: Error) => e.name);

    // Assess
    const throttled = a.fates.filter((f) => f !== 'ok').length;
    expect(throttled / 300).toBeGreaterThan(0.22);
    expect(throttled / 300).toBeLessThan(0.38);
    expect(a.rule.hits).toBe(throttled);
    expect(a.rule.outcomes?.ProvisionedThroughputExceededException).toBeGreaterThan(20);
    expect(a.rule.outcomes?.ThrottlingException).toBeGreaterThan(20);
    expect(b.fates).toEqual(a.fates);
    expect(c.fates).not.toEqual(a.fates);
    expect(writes).toBe('ok'); // 'reads' leaves writes alone
  });

  it('answers partial BatchWriteItem successes: held items come back unprocessed and were not written', async () => {
    // Prepare
    const tenant = tenantId();
    const batch = items(tenant, 20);
    throttle({ share: 1, operations: ['BatchWriteItem'], unprocessedShare: 0.25 });

    // Act
    const r = await viaProxy.send(new BatchWriteCommand({ RequestItems: { [Table]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
    const unprocessed = (r.UnprocessedItems?.[Table] ?? []).map((w) => w.PutRequest!.Item as (typeof batch)[number]);
    const stored = await direct.send(new QueryCommand({ TableName: Table, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp', ExpressionAttributeValues: { ':tp': `${tenant}#0` } }));

    // Assess
    expect(unprocessed).toHaveLength(5);
    const storedKeys = (stored.Items ?? []).map((i) => i.pk as string).sort();
    const heldKeys = new Set(unprocessed.map((i) => i.pk));
    expect(storedKeys).toEqual(batch.map((i) => i.pk).filter((pk) => !heldKeys.has(pk)).sort());
    expect(unprocessed).toEqual(batch.filter((i) => heldKeys.has(i.pk))); // the very requests, ready to resend
    expect(faults.list()[0]!.outcomes).toEqual({ UnprocessedItems: 1 });
  });

  it('answers partial BatchGetItem successes with UnprocessedKeys carrying the read parameters', async () => {
    // Prepare
    const tenant = tenantId();
    const batch = items(tenant, 10);
    await direct.send(new BatchWriteCommand({ RequestItems: { [Table]: batch.map((Item) => ({ PutRequest: { Item } })) } }));
    throttle({ share: 1, operations: ['BatchGetItem'], unprocessedShare: 0.5, tenant });

    // Act
    const r = await viaProxy.send(new BatchGetCommand({
      RequestItems: { [Table]: { Keys: batch.map(({ pk }) => ({ pk })), ProjectionExpression: 'pk, n', ConsistentRead: true } },
    }));

    // Assess
    const got = (r.Responses?.[Table] ?? []).map((i) => i.pk as string);
    const pending = r.UnprocessedKeys?.[Table];
    expect(got).toHaveLength(5);
    expect(pending).toMatchObject({ ProjectionExpression: 'pk, n', ConsistentRead: true });
    expect(pending?.Keys).toHaveLength(5);
    expect([...got, ...pending!.Keys!.map((k) => k.pk as string)].sort()).toEqual(batch.map((i) => i.pk).sort());
    expect(r.Responses?.[Table]?.[0]).toEqual({ pk: expect.any(String), n: expect.any(Number) });
  });

  it('answers the error, not a partial success, for a batch of one item or when partialShare says so', async () => {
    // Prepare
    const tenant = tenantId();
    const [one, ...more] = items(tenant, 5);
    throttle({ share: 1, operations: ['BatchWriteItem'], unprocessedShare: 0.5 });

    // Act
    const single = await rejection(viaProxy.send(new BatchWriteCommand({ RequestItems: { [Table]: [{ PutRequest: { Item: one } }] } })));
    faults.clear();
    throttle({ share: 1, operations: ['BatchWriteItem'], unprocessedShare: 0.5, partialShare: 0 });
    const several = await rejection(viaProxy.send(new BatchWriteCommand({ RequestItems: { [Table]: more.map((Item) => ({ PutRequest: { Item } })) } })));

    // Assess
    expect(isThrottlingError(single as never)).toBe(true);
    expect(isThrottlingError(several as never)).toBe(true);
  });

  it('scopes rules to a tenant, body strings and a table', async () => {
    // Prepare
    const mine = tenantId();
    const other = tenantId();
    throttle({ share: 1, tenant: mine, bodyContains: ['TOKEN#abc'] });
    throttle({ share: 1, table: 'no-such-table' });
    const get = (pk: string) => viaProxy.send(new GetCommand({ TableName: Table, Key: { pk } })).then(() => 'ok', (e: Error) => e.name);

    // Act
    const fates = {
      mine: await get(`${mine}#e1`),
      mineTimeline: await viaProxy.send(new QueryCommand({ TableName: Table, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp', ExpressionAttributeValues: { ':tp': `${mine}#0` } })).then(() => 'ok', (e: Error) => e.name),
      token: await get('TOKEN#abc'),
      other: await get(`${other}#e1`),
      otherToken: await get('TOKEN#abd'),
    };

    // Assess
    expect(fates.mine).not.toBe('ok');
    expect(fates.mineTimeline).not.toBe('ok');
    expect(fates.token).not.toBe('ok');
    expect(fates.other).toBe('ok');
    expect(fates.otherToken).toBe('ok');
  });

  it('refuses malformed rules', () => {
    const bad: unknown[] = [
      { share: 1.5 }, { share: 0.3, operations: ['Frobnicate'] }, { share: 0.3, operations: [] }, { share: 0.3, error: 'Nope' },
      { share: 0.3, unprocessedShare: 1 }, { share: 0.3, unprocessedShare: 0 }, { share: 0.3, partialShare: -1 }, { share: 0.3, seed: 1.5 },
      { share: 0.3, tenant: '' }, { share: 0.3, bodyContains: [''] }, {},
    ];
    for (const rule of bad) expect(() => faults.add({ kind: 'dynamodb-throttle', ...(rule as object) } as DynamoDbThrottleRule), JSON.stringify(rule)).toThrow(FaultRuleError);
  });
});
