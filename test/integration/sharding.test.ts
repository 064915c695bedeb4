/**
 * Write sharding against DynamoDB Local: a tenant's timeline is spread over
 * `ShardCount` partitions, and changing the count (up or down) never hides
 * events written under another count. Runs the use-case modules in this
 * worker, which inherits the handler environment from the global setup.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';

const { ddb } = await import('../../lambdas/adapters/dynamodb.js');
const { recordEvents } = await import('../../lambdas/events/record-events.js');
const { listEvents } = await import('../../lambdas/events/list-events.js');
const { timelinePk } = await import('../../lambdas/core/keys.js');

const originalShards = process.env.SHARD_COUNT;
afterEach(() => {
  process.env.SHARD_COUNT = originalShards;
});

const batch = (tag: string, n: number) => ({
  events: Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}`,
    action: 'project.updated',
    actor: { type: 'user', id: `u_${i % 3}` },
    occurredAt: new Date(Date.now() - (n - i) * 1000).toISOString(),
  })),
});

async function listAll(tenant: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listEvents(tenant, {}, { limit: 40, cursor });
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

async function shardSizes(tenant: string, shards: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const r = await ddb.send(new QueryCommand({
        TableName: process.env.EVENTS_TABLE, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp',
        ExpressionAttributeValues: { ':tp': timelinePk(tenant, shard) }, Select: 'COUNT',
      }));
      return r.Count ?? 0;
    }),
  );
}

describe('timeline write shards', () => {
  it('spreads a tenant over ShardCount partitions', async () => {
    // Prepare
    const tenant = `shard-${randomUUID().slice(0, 8)}`;
    process.env.SHARD_COUNT = '8';

    // Act
    await recordEvents(tenant, batch('a', 80));

    // Assess: every shard got some of the 80 events, none got them all
    const sizes = await shardSizes(tenant, 8);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(80);
    expect(sizes.every((n) => n > 0 && n < 40)).toBe(true);
  });

  it('never hides older events when the shard count changes up or down', async () => {
    // Prepare: events written under 2, then 8, then 1 shard(s)
    const tenant = `shard-${randomUUID().slice(0, 8)}`;
    process.env.SHARD_COUNT = '2';
    await recordEvents(tenant, batch('two', 30));
    process.env.SHARD_COUNT = '8';
    await recordEvents(tenant, batch('eight', 30));
    process.env.SHARD_COUNT = '1';
    await recordEvents(tenant, batch('one', 30));

    // Act: read with the smallest count configured
    const ids = await listAll(tenant);

    // Assess: all 90, each once, newest first across the three generations
    expect(ids).toHaveLength(90);
    expect(new Set(ids).size).toBe(90);
    for (const tag of ['two', 'eight', 'one']) expect(ids.filter((id) => id.startsWith(`${tag}-`))).toHaveLength(30);
  });
});
