/**
 * The local DynamoDB Streams event source mapping against its own DynamoDB Local:
 * Lambda's record shape, batching, retries, bisecting down to a poisoned record, the
 * on-failure record, partial batch responses, order per shard.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand, UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_AWS, startDynamoDbLocal, type LocalDynamoDb } from '../../local/dynamodb.js';
import {
  lambdaStreamRecord, startStreamPoller, type LocalStreamPoller, type StreamFailureRecord, type StreamPollerOptions,
} from '../../local/stream-poller.js';

const uid = () => randomUUID().slice(0, 8);

let db: LocalDynamoDb;
let ddb: DynamoDBClient;
beforeAll(async () => {
  db = await startDynamoDbLocal();
  ddb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: db.endpoint });
});
afterAll(async () => {
  ddb?.destroy();
  await db?.stop();
});

const pollers: LocalStreamPoller[] = [];
afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

/** A fresh table with a NEW_AND_OLD_IMAGES stream. */
async function createTable(): Promise<string> {
  const name = `stream-${uid()}`;
  await ddb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  return name;
}

const put = (table: string, pk: string) => ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk } } }));

/** A poller whose handler records every invocation; `behave` may throw or return a batch response. */
async function poller(table: string, behave: (records: DynamoDBRecord[], call: number) => unknown = () => undefined,
  opts: Partial<StreamPollerOptions> = {}) {
  const invocations: Array<{ records: DynamoDBRecord[]; ok: boolean; context: Context }> = [];
  const failures: Array<{ info: StreamFailureRecord; records: readonly DynamoDBRecord[] }> = [];
  const p = await startStreamPoller({
    endpoint: db.endpoint,
    region: 'us-east-1',
    tableName: table,
    startingPosition: 'TRIM_HORIZON',
    pollIntervalMs: 20,
    onError: () => {},
    onFailure: (info, records) => { failures.push({ info, records }); },
    handler: async (event: DynamoDBStreamEvent, context: Context) => {
      const entry = { records: event.Records, ok: false, context };
      invocations.push(entry);
      const result = await behave(event.Records, invocations.length);
      entry.ok = true;
      return result;
    },
    ...opts,
  });
  pollers.push(p);
  /** Keys of the records handed to successful invocations, in order. */
  const delivered = () => invocations.filter((i) => i.ok).flatMap((i) => i.records.map((r) => r.dynamodb!.Keys!.pk.S!));
  return { p, invocations, failures, delivered };
}

describe('record shape', () => {
  it('delivers INSERT, MODIFY and REMOVE as Lambda does: DynamoDB JSON, epoch seconds, stream ARN', async () => {
    // Prepare
    const table = await createTable();
    const { p, invocations } = await poller(table);

    // Act
    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'a' }, n: { N: '1' }, b: { B: new Uint8Array([1, 2, 3]) }, m: { M: { l: { L: [{ BS: [new Uint8Array([255])] }] } } } } }));
    await ddb.send(new UpdateItemCommand({ TableName: table, Key: { pk: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }));
    await ddb.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'a' } } }));
    await p.idle();

    // Assess
    const records = invocations.flatMap((i) => i.records);
    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    const [insert, modify, remove] = records;
    const now = Date.now() / 1000;
    for (const r of records) {
      expect(Object.keys(r).sort()).toEqual(['awsRegion', 'dynamodb', 'eventID', 'eventName', 'eventSource', 'eventSourceARN', 'eventVersion']);
      expect(r).toMatchObject({ eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'us-east-1', eventSourceARN: p.streamArn });
      expect(r.eventSourceARN).toMatch(new RegExp(`^arn:aws:dynamodb:[^:]+:\\d{12}:table/${table}/stream/`));
      const created = r.dynamodb!.ApproximateCreationDateTime!;
      expect(Number.isInteger(created)).toBe(true); // seconds, not a Date or milliseconds
      expect(Math.abs(now - created)).toBeLessThan(120); // DynamoDB Local rounds to the minute
      expect(r.dynamodb).toMatchObject({ Keys: { pk: { S: 'a' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' });
      expect(r.dynamodb!.SequenceNumber).toMatch(/^\d+$/);
      expect(r.dynamodb!.SizeBytes).toBeGreaterThan(0);
    }
    expect(insert.dynamodb!.NewImage).toEqual({ pk: { S: 'a' }, n: { N: '1' }, b: { B: 'AQID' }, m: { M: { l: { L: [{ BS: ['/w=='] }] } } } });
    expect(insert.dynamodb!.OldImage).toBeUndefined();
    expect(modify.dynamodb!.OldImage!.n).toEqual({ N: '1' });
    expect(modify.dynamodb!.NewImage!.n).toEqual({ N: '2' });
    expect(remove.dynamodb!.NewImage).toBeUndefined();
    expect(remove.dynamodb!.OldImage!.n).toEqual({ N: '2' });
    expect(invocations[0].context).toMatchObject({ functionName: 'stream-consumer', functionVersion: '$LATEST' });
    expect(invocations[0].context.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('gives a TTL delete the lower-case userIdentity of the dynamodb.amazonaws.com service', async () => {
    const table = await createTable();
    await ddb.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'ttl' } }));
    const { invocations } = await poller(table);

    await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'expired' }, ttl: { N: String(Math.floor(Date.now() / 1000) - 60) } } }));
    const deadline = Date.now() + 90_000;
    let removed: DynamoDBRecord | undefined;
    while (!removed && Date.now() < deadline) {
      removed = invocations.flatMap((i) => i.records).find((r) => r.eventName === 'REMOVE');
      await new Promise((r) => setTimeout(r, 100));
    }

    expect(removed?.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(removed?.dynamodb?.OldImage?.pk).toEqual({ S: 'expired' });
  }, 120_000);

  it('maps the SDK\'s UserIdentity {Type, PrincipalId} to {type, principalId}', () => {
    const record = lambdaStreamRecord({
      eventID: 'e1', eventName: 'REMOVE', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'ddblocal',
      dynamodb: { ApproximateCreationDateTime: new Date('2026-01-02T03:04:05.678Z'), Keys: { pk: { S: 'x' } }, SequenceNumber: '7', SizeBytes: 3, StreamViewType: 'KEYS_ONLY' },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    }, 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/label', 'eu-west-1');

    expect(record).toEqual({
      eventID: 'e1', eventName: 'REMOVE', eventVersion: '1.1', eventSource: 'aws:dynamodb', awsRegion: 'eu-west-1',
      dynamodb: { ApproximateCreationDateTime: 1767323045, Keys: { pk: { S: 'x' } }, SequenceNumber: '7', SizeBytes: 3, StreamViewType: 'KEYS_ONLY' },
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/label',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
  });
});

describe('batching and starting position', () => {
  it('invokes with up to batchSize records, in stream order', async () => {
    const table = await createTable();
    for (let i = 0; i < 25; i++) await put(table, `k${String(i).padStart(2, '0')}`);

    const { p, invocations, delivered } = await poller(table, undefined, { batchSize: 10 });
    await p.idle();

    expect(invocations.map((i) => i.records.length)).toEqual([10, 10, 5]);
    expect(delivered()).toEqual(Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`));
    expect(p.stats).toMatchObject({ invocations: 3, deliveredRecords: 25, failedInvocations: 0 });
  });

  it('gathers records for maxBatchingWindowMs before invoking', async () => {
    const table = await createTable();
    const { p, invocations } = await poller(table, undefined, { maxBatchingWindowMs: 1500 });

    for (let i = 0; i < 10; i++) {
      await put(table, `w${i}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await p.idle();

    expect(invocations.flatMap((i) => i.records)).toHaveLength(10);
    expect(invocations.length).toBeLessThanOrEqual(2);
  });

  it('LATEST skips what was written before start', async () => {
    const table = await createTable();
    await put(table, 'before');

    const { p, delivered } = await poller(table, undefined, { startingPosition: 'LATEST' });
    await put(table, 'after');
    await p.idle();

    expect(delivered()).toEqual(['after']);
  });

  it('LATEST on a table that holds no record yet delivers what is written after start (DynamoDB Local answers such a LATEST read as trimmed)', async () => {
    const table = await createTable();

    const { p, delivered } = await poller(table, undefined, { startingPosition: 'LATEST' });
    await new Promise((r) => setTimeout(r, 200)); // a few empty reads first
    await put(table, 'first');
    await put(table, 'second');
    await p.idle();

    expect(delivered()).toEqual(['first', 'second']);
  });
});

describe('errors', () => {
  for (const bisectBatchOnFunctionError of [false, true]) {
    it(`retries a batch whose invocation threw once; every record delivered exactly once (bisect ${bisectBatchOnFunctionError})`, async () => {
      // Prepare
      const table = await createTable();
      const keys = Array.from({ length: 8 }, (_, i) => `r${i}`);
      for (const k of keys) await put(table, k);

      // Act
      const { p, invocations, delivered, failures } = await poller(table, (_records, call) => {
        if (call === 1) throw new Error('transient');
      }, { bisectBatchOnFunctionError });
      await p.idle();

      // Assess
      expect(delivered()).toEqual(keys);
      expect(invocations[0]).toMatchObject({ ok: false });
      expect(invocations[0].records.map((r) => r.dynamodb!.Keys!.pk.S)).toEqual(keys);
      expect(invocations.length).toBe(bisectBatchOnFunctionError ? 3 : 2);
      expect(failures).toEqual([]);
      expect(p.stats).toMatchObject({ failedInvocations: 1, discardedRecords: 0, deliveredRecords: 8 });
    });
  }

  it('bisects down to a poisoned record, hands it to onFailure after the retries and delivers the rest in order', async () => {
    // Prepare
    const table = await createTable();
    const keys = Array.from({ length: 16 }, (_, i) => (i === 5 ? 'poison' : `r${String(i).padStart(2, '0')}`));
    for (const k of keys) await put(table, k);
    const { p, invocations, delivered, failures } = await poller(table, (records) => {
      if (records.some((r) => r.dynamodb!.Keys!.pk.S === 'poison')) throw new Error('poisoned');
    }, { batchSize: 10, maxRetryAttempts: 2 });

    // Act
    await p.idle();
    await put(table, 'later');
    await p.idle();

    // Assess
    expect(delivered()).toEqual([...keys.filter((k) => k !== 'poison'), 'later']);
    expect(failures).toHaveLength(1);
    const [{ info, records }] = failures;
    const poisonSeq = invocations.flatMap((i) => i.records).find((r) => r.dynamodb!.Keys!.pk.S === 'poison')!.dynamodb!.SequenceNumber;
    expect(records.map((r) => r.dynamodb!.Keys!.pk.S)).toEqual(['poison']);
    expect(info.DDBStreamBatchInfo).toMatchObject({
      startSequenceNumber: poisonSeq, endSequenceNumber: poisonSeq, batchSize: 1, streamArn: p.streamArn,
    });
    expect(info.DDBStreamBatchInfo.shardId).toMatch(/^shardId-/);
    expect(info.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 7 });
    expect(info.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
    // 10 → 5 → 3 → 2 → 1 (4 bisections), then the poisoned record alone 3 times (1 + 2 retries).
    const poisonedCalls = invocations.filter((i) => !i.ok);
    expect(poisonedCalls.map((i) => i.records.length)).toEqual([10, 5, 3, 2, 1, 1, 1]);
    expect(p.stats).toMatchObject({ bisections: 4, retries: 2, discardedRecords: 1 });
  });

  it('without bisecting, discards the whole batch after maxRetryAttempts and moves on', async () => {
    const table = await createTable();
    for (const k of ['a', 'poison', 'b']) await put(table, k);
    const { p, invocations, failures, delivered } = await poller(table, (records) => {
      if (records.some((r) => r.dynamodb!.Keys!.pk.S === 'poison')) throw new Error('poisoned');
    }, { bisectBatchOnFunctionError: false, maxRetryAttempts: 1 });

    await p.idle();
    await put(table, 'c');
    await p.idle();

    expect(invocations.filter((i) => !i.ok)).toHaveLength(2);
    expect(failures.map((f) => f.info.DDBStreamBatchInfo.batchSize)).toEqual([3]);
    expect(delivered()).toEqual(['c']);
  });

  it('with reportBatchItemFailures, checkpoints before the first reported item and retries from it', async () => {
    // Prepare
    const table = await createTable();
    const keys = ['a', 'b', 'bad', 'c', 'd'];
    for (const k of keys) await put(table, k);
    const seen: string[][] = [];
    const { p } = await poller(table, (records, call) => {
      seen.push(records.map((r) => r.dynamodb!.Keys!.pk.S!));
      const bad = records.find((r) => r.dynamodb!.Keys!.pk.S === 'bad');
      return call === 1 && bad ? { batchItemFailures: [{ itemIdentifier: bad.dynamodb!.SequenceNumber }] } : { batchItemFailures: [] };
    }, { reportBatchItemFailures: true });

    // Act
    await p.idle();

    // Assess
    expect(seen).toEqual([keys, ['bad', 'c', 'd']]);
    expect(p.stats).toMatchObject({ invocations: 2, failedInvocations: 1, deliveredRecords: 5, retries: 1 });
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch', async () => {
    const table = await createTable();
    for (const k of ['a', 'b']) await put(table, k);
    const seen: string[][] = [];
    const { p } = await poller(table, (records, call) => {
      seen.push(records.map((r) => r.dynamodb!.Keys!.pk.S!));
      return call === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] } : undefined;
    }, { reportBatchItemFailures: true, bisectBatchOnFunctionError: false });

    await p.idle();

    expect(seen).toEqual([['a', 'b'], ['a', 'b']]);
  });
});
