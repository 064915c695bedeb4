/**
 * The live stream's records (lambdas/adapters/stream-store.ts) against DynamoDB Local:
 * single-use tickets, connections, subscriptions, and per-tenant listing.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createStreamStore } from '../../lambdas/adapters/stream-store.js';
import { MAX_SUBSCRIPTIONS, newTicket, TICKET_TTL_SECONDS } from '../../lambdas/core/stream.js';
import { createControlTable } from './scratch-tables.js';

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
// A table of its own: the local stack's sweep would close these made-up connections (their tokens do not exist).
const tableName = await createControlTable(ddb, 'stream-store');
const store = createStreamStore({ ddb, tableName });
const unique = (what: string) => `${what}-${randomBytes(4).toString('hex')}`;

async function collect<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...page);
  return out;
}

describe('stream tickets', () => {
  it('are used once: the second use of the same ticket finds nothing', async () => {
    // Arrange
    const { hash } = newTicket();
    const grant = { tenant: unique('t'), tokenId: 'tok1', scopes: ['events:read' as const], restrict: { project: 'p_7' } };
    await store.putTicket(hash, grant);

    // Act
    const [first, second] = await Promise.all([store.consumeTicket(hash), store.consumeTicket(hash)]);

    // Assess: of two racing uses exactly one wins
    expect([first, second].filter(Boolean)).toEqual([grant]);
  });

  it('expire after their time, and an unknown (forged) ticket grants nothing', async () => {
    // Arrange
    const { hash } = newTicket();
    await store.putTicket(hash, { tenant: unique('t'), tokenId: 'tok1', scopes: ['events:read'] });
    const later = createStreamStore({ ddb, tableName, now: () => Date.now() + (TICKET_TTL_SECONDS + 1) * 1000 });

    // Act / Assess
    expect(await later.consumeTicket(hash)).toBeUndefined();
    expect(await store.consumeTicket(newTicket().hash)).toBeUndefined();
  });
});

describe('connections', () => {
  it('know their owner until deleted, and list per tenant only', async () => {
    // Arrange
    const tenant = unique('t');
    const other = unique('t');
    await store.putConnection('c1', { tenant, tokenId: 'k1', scopes: ['events:read'], restrict: { category: 'auth' } });
    await store.putConnection('c2', { tenant, tokenId: 'k2', scopes: ['events:read'] });
    await store.putConnection('c3', { tenant: other, tokenId: 'k3', scopes: ['events:read'] });

    // Act
    const mine = await collect(store.tenantConnections(tenant));
    await store.deleteConnection('c2', tenant);

    // Assess
    expect(mine).toEqual([
      { connectionId: 'c1', tenant, tokenId: 'k1', subscriptions: {}, restrict: { category: 'auth' } },
      { connectionId: 'c2', tenant, tokenId: 'k2', subscriptions: {} },
    ]);
    expect(await store.connectionOwner('c1')).toEqual({ tenant, tokenId: 'k1' });
    expect(await store.connectionOwner('c2')).toBeUndefined();
    expect((await collect(store.tenantConnections(tenant))).map((c) => c.connectionId)).toEqual(['c1']);
    const all = await collect(store.allConnections());
    expect(all.filter((c) => c.tenant === tenant || c.tenant === other).map((c) => c.connectionId).sort()).toEqual(['c1', 'c3']);
  });

  it('page through a tenant with more connections than one page', async () => {
    const tenant = unique('t');
    await Promise.all(Array.from({ length: 230 }, (_, i) => store.putConnection(`c${String(i).padStart(3, '0')}`, { tenant, tokenId: 'k', scopes: ['events:read'] })));
    expect((await collect(store.tenantConnections(tenant))).length).toBe(230);
  });
});

describe('subscriptions', () => {
  it('are added, replaced and removed by id, up to the limit, and refused on a gone connection', async () => {
    // Arrange
    const tenant = unique('t');
    await store.putConnection('c1', { tenant, tokenId: 'k1', scopes: ['events:read'] });

    // Act
    expect(await store.subscribe(tenant, 'c1', 's1', { project: 'p_7' })).toBe('ok');
    expect(await store.subscribe(tenant, 'c1', 's1', { project: 'p_8' })).toBe('ok');
    expect(await store.subscribe(tenant, 'c1', 's2', {})).toBe('ok');
    await store.unsubscribe(tenant, 'c1', 's2');
    await store.unsubscribe(tenant, 'c1', 'never');

    // Assess
    const [c1] = await collect(store.tenantConnections(tenant));
    expect(c1!.subscriptions).toEqual({ s1: { project: 'p_8' } });
    for (let i = 1; i < MAX_SUBSCRIPTIONS; i++) expect(await store.subscribe(tenant, 'c1', `x${i}`, {})).toBe('ok');
    expect(await store.subscribe(tenant, 'c1', 'one-too-many', {})).toBe('full');
    expect(await store.subscribe(tenant, 'c1', 's1', { project: 'p_9' })).toBe('ok'); // replacing is not adding
    expect(await store.subscribe(tenant, 'gone', 's1', {})).toBe('gone');
  });
});
