/**
 * Write sharding against DynamoDB Local: a tenant's timeline is spread over
 * `ShardCount` partitions, and changing the count (up or down) never hides
 * events written under another count. Runs the use-case modules in this
 * worker, on table adapters of the local stack built from its endpoints; a
 * "stack update" of ShardCount is a different `defaults.shardCount`.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { timelinePk } from '../../lambdas/core/keys.js';
import { listEvents } from '../../lambdas/events/list-events.js';
import { recordEvents } from '../../lambdas/events/record-events.js';
import { local, localStores } from '../e2e/helpers.js';

const stores = localStores();
const { ddb } = stores;
/** The adapters as a stack with `shardCount` write shards uses them. */
const withShards = (shardCount: number) => ({ ...stores, defaults: { ...stores.defaults, shardCount }, cursorSecret: 'sharding-test' });

const batch = (tag: string, n: number) => ({
  events: Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}`,
    action: 'project.updated',
    actor: { type: 'user', id: `u_${i % 3}` },
    occurredAt: new Date(Date.now() - (n - i) * 1000).toISOString(),
  })),
});

async function listAll(tenant: string, shardCount: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await listEvents(withShards(shardCount), tenant, {}, { limit: 40, cursor });
    ids.push(...page.events.map((e) => e.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

async function shardSizes(tenant: string, shards: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: shards }, async (_, shard) => {
      const r = await ddb.send(new QueryCommand({
        TableName: local.tables.events, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp',
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

    // Act
    await recordEvents(withShards(8), tenant, batch('a', 80));

    // Assess: every shard got some of the 80 events, none got them all
    const sizes = await shardSizes(tenant, 8);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(80);
    expect(sizes.every((n) => n > 0 && n < 40)).toBe(true);
  });

  it('never hides older events when the shard count changes up or down', async () => {
    // Prepare: events written under 2, then 8, then 1 shard(s)
    const tenant = `shard-${randomUUID().slice(0, 8)}`;
    await recordEvents(withShards(2), tenant, batch('two', 30));
    await recordEvents(withShards(8), tenant, batch('eight', 30));
    await recordEvents(withShards(1), tenant, batch('one', 30));

    // Act: read with the smallest count configured
    const ids = await listAll(tenant, 1);

    // Assess: all 90, each once, newest first across the three generations
    expect(ids).toHaveLength(90);
    expect(new Set(ids).size).toBe(90);
    for (const tag of ['two', 'eight', 'one']) expect(ids.filter((id) => id.startsWith(`${tag}-`))).toHaveLength(30);
  });
});
