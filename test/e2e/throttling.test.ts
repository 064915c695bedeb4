/**
 * Throttling loses nothing (issue 7), over HTTP against the local stack, with the DynamoDB
 * fault proxy (local/dynamodb-proxy.ts) throttling a share of the handlers' calls. Every
 * rule is scoped to the test's own tenant (and its token), so files running alongside are
 * not throttled.
 *
 * - Writes: 30 % of write calls throttled while 8 clients send 20,000 events; every request
 *   answers 201 or 503 (then the same body is resent), never another 5xx; afterwards stored =
 *   sent, no duplicates. A batch throttled past every retry answers 503 with part of it
 *   stored; its resend stores the rest, counting that part as duplicates. Batches of
 *   server-generated ids meet partial BatchWriteItem answers (UnprocessedItems) and still
 *   store every event once.
 * - Reads: 30 % of read calls (the authorizer's token lookup included) throttled; every page,
 *   event and access-log page answers exactly what it answers unthrottled, or 503. One shard's
 *   Query throttled past the SDK's retries makes the page a 503, not the other shards' rows.
 * - Concurrent first sends of one id: exactly one side reports it new; one item is stored.
 */
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { injectFault, listFaults } from '../../local/faults.js';
import { describeFigures, throttledIngest } from '../../scripts/bench/throttling.js';
import { eventSource, population } from '../../scripts/bench/workload.js';
import { type ApiResponse, type Client, client, event, ingest, issueToken, local, newTenant, type Query, uid, withQuery } from './helpers.js';

const SHARDS = Number(local.parameters.ShardCount);

/** Rules added during a test; removed after it (also when it fails). */
const added: Array<{ remove(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(added.splice(0).map((f) => f.remove()));
});

/** A fresh tenant and a token of it that may write and read. */
async function tenantWithToken(): Promise<{ tenant: string; token: string; tokenId: string; api: Client }> {
  const tenant = newTenant();
  const { token, id } = await issueToken(tenant, ['events:write', 'events:read'], 'throttling e2e');
  return { tenant, token, tokenId: id, api: client(token) };
}

/** The tenant's items in DynamoDB Local, counted over every timeline shard (Query with Limit, all pages). */
async function storedItems(tenant: string): Promise<number> {
  const ddb = new DynamoDBClient({ endpoint: local.dynamodb, region: local.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let count = 0;
  for (let shard = 0; shard < SHARDS; shard++) {
    let start: Record<string, any> | undefined;
    do {
      const r = await ddb.send(new QueryCommand({
        TableName: local.tables.events, IndexName: 'byTime', KeyConditionExpression: 'tp = :tp',
        ExpressionAttributeValues: { ':tp': { S: `${tenant}#${shard}` } }, Select: 'COUNT', Limit: 500, ExclusiveStartKey: start,
      }));
      count += r.Count ?? 0;
      start = r.LastEvaluatedKey;
    } while (start);
  }
  ddb.destroy();
  return count;
}

describe('throttled writes', () => {
  it('20,000 events from 8 clients with 30 % of write calls throttled: every request 201 or 503 then 201 on resend; stored = sent, no duplicates', async () => {
    // Prepare
    const { tenant, token } = await tenantWithToken();

    // Act
    const f = await throttledIngest(
      { api: local.api, faults: local.faults!, dynamodb: local.dynamodb, region: local.region, eventsTable: local.tables.events, shardCount: SHARDS, tenant, token },
      { events: 20_000, clients: 8, share: 0.3, budgetSecs: 480 },
    );
    console.log(`throttled ingest:\n  ${describeFigures(f).join('\n  ')}`);

    // Assess
    expect(f.throttled.calls).toBeGreaterThan(1_000); // the rule really bit
    expect(f.throttled.outcomes.ProvisionedThroughputExceededException).toBeGreaterThan(0);
    expect(f.throttled.outcomes.ThrottlingException).toBeGreaterThan(0);
    expect(f.samples).toEqual([]);
    expect(f.otherServerErrors).toBe(0);
    expect(f.unexpected).toBe(0);
    expect(f.abandoned).toBe(0);
    expect(f.idMismatches).toBe(0);
    expect(f.statuses['500']).toBeUndefined();
    expect(f.reportedNew + f.reportedDuplicates).toBe(f.sent);
    if (f.unavailable === 0) expect(f.reportedDuplicates).toBe(0);
    expect({ stored: f.stored, duplicates: f.duplicates, missing: f.missing, extra: f.extra, inDynamoDb: f.storedInDynamoDb })
      .toEqual({ stored: f.sent, duplicates: 0, missing: 0, extra: 0, inDynamoDb: f.sent });
  }, 720_000);

  it('a batch of client ids throttled past every retry answers 503 after storing part of it; the resend stores the rest and counts the part as duplicates', async () => {
    // Prepare
    const { tenant, api } = await tenantWithToken();
    const events = Array.from({ length: 100 }, () => event({ id: uid('part') }));
    const fault = await injectFault(local.faults!, { kind: 'dynamodb-throttle', share: 0.9, operations: ['PutItem'], tenant, seed: 9 });
    added.push(fault);

    // Act
    const first = await api.post('/v1/events', { events });
    const storedBefore = await storedItems(tenant);
    await fault.remove();
    const resend = await api.post('/v1/events', { events });

    // Assess
    expect(first.status, first.text).toBe(503);
    expect(first.body.error.code).toBe('service_unavailable');
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(storedBefore).toBeGreaterThan(0);
    expect(storedBefore).toBeLessThan(100);
    expect(resend.status, resend.text).toBe(201);
    expect(resend.body).toMatchObject({ accepted: 100, duplicates: storedBefore });
    expect(await storedItems(tenant)).toBe(100);
  }, 120_000);

  it('batches of server-generated ids meet partial BatchWriteItem answers (UnprocessedItems) and store every event once', async () => {
    // Prepare
    const { tenant, api } = await tenantWithToken();
    const next = eventSource(population(), 11);
    const now = Date.now();
    const batches = Array.from({ length: 20 }, (_, b) => Array.from({ length: 100 }, (_, i) => next(new Date(now - 60_000 + b * 100 + i).toISOString())));
    // Only partial successes (no error answers): a request cannot end in 503, so server ids cannot be resent.
    const fault = await injectFault(local.faults!, { kind: 'dynamodb-throttle', share: 0.3, operations: ['BatchWriteItem'], unprocessedShare: 0.4, tenant, seed: 3 });
    added.push(fault);

    // Act
    const answers = await Promise.all(batches.map((events) => api.post('/v1/events', { events })));
    const [rule] = (await listFaults(local.faults!)).filter((r) => r.id === fault.id);
    await fault.remove();
    const stored = await storedItems(tenant);

    // Assess
    for (const r of answers) {
      expect(r.status, r.text).toBe(201);
      expect(r.body).toMatchObject({ accepted: 100, duplicates: 0 });
      expect(new Set(r.body.ids).size).toBe(100);
    }
    expect(rule!.outcomes?.UnprocessedItems).toBeGreaterThan(5);
    expect(stored).toBe(2_000);
  }, 300_000);
});

describe('throttled reads', () => {
  it('30 % of read calls throttled (token lookups included): pages, events and access logs answer exactly as unthrottled, or 503', async () => {
    // Prepare
    const { tenant, tokenId, api } = await tenantWithToken();
    const next = eventSource(population(), 21);
    const now = Date.now();
    const events = Array.from({ length: 400 }, (_, i) => ({ ...next(new Date(now - 3_600_000 + i * 5_000).toISOString()), id: uid('rd') }));
    await ingest(api, events);
    const busiest = [...events.reduce((m, e) => m.set(e.actor.id, (m.get(e.actor.id) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]![0];
    const listings: { path: string; query: Query; key: string }[] = [
      { path: '/v1/events', query: { limit: 50 }, key: 'events' },
      { path: '/v1/events', query: { limit: 15, actor: busiest }, key: 'events' },
      { path: '/v1/events', query: { limit: 20, action: 'auth.*', result: 'success' }, key: 'events' },
      { path: '/v1/events', query: { limit: 25, q: 'survey', severity: 'info' }, key: 'events' },
      { path: '/v1/events', query: { limit: 30, resourceType: 'submission' }, key: 'events' },
      { path: '/v1/access-logs', query: { limit: 10 }, key: 'groups' },
    ];
    const singles = [...events.filter((_, i) => i % 13 === 0).map((e) => `/v1/events/${e.id}`), `/v1/events/${uid('absent')}`];

    /** Every page of every listing (listings side by side, pages in cursor order), then the single events: [request, status, body]. */
    const walk = async (get: (path: string) => Promise<ApiResponse>) => {
      const pages = await Promise.all(listings.map(async ({ path, query, key }) => {
        const seen: [string, number, string][] = [];
        let cursor: string | undefined;
        do {
          const url = withQuery(path, { ...query, cursor });
          const r = await get(url);
          seen.push([url, r.status, r.text]);
          expect(r.status, r.text).toBe(200);
          expect(Array.isArray(r.body[key])).toBe(true);
          cursor = r.body.nextCursor ?? undefined;
        } while (cursor);
        return seen;
      }));
      const byId = await Promise.all(singles.map(async (url): Promise<[string, number, string]> => {
        const r = await get(url);
        return [url, r.status, r.text];
      }));
      return [...pages.flat(), ...byId];
    };
    const reference = await walk((url) => api.get(url));
    expect(reference.length).toBeGreaterThan(30);
    expect(await walk((url) => api.get(url))).toEqual(reference); // stable without throttling: a fair yardstick

    // Act
    const fault = await injectFault(local.faults!, {
      kind: 'dynamodb-throttle', share: 0.3, operations: 'reads', tenant, bodyContains: [`TOKEN#${tokenId}`],
      unprocessedShare: 0.5, partialShare: 0.5, seed: 5,
    });
    added.push(fault);
    const counts = { requests: 0, unavailable: 0, other: [] as string[] };
    const throttledWalk = await walk(async (url) => {
      for (let tries = 1; ; tries++) {
        counts.requests++;
        const r = await api.get(url);
        if (r.status !== 503 || tries === 20) return r; // a 503 twenty times running fails the comparison below
        if (r.body?.error?.code !== 'service_unavailable') counts.other.push(`${url}: ${r.status} ${r.text.slice(0, 200)}`);
        counts.unavailable++;
        // As a client should: wait Retry-After. (The gateway caches the authorizer's answer, an `unavailable` one
        // too, for its TTL: an immediate retry with the same token meets the same 503.)
        await new Promise((resolve) => setTimeout(resolve, Number(r.headers.get('retry-after') ?? 1) * 1000 + 100));
      }
    });
    const [rule] = (await listFaults(local.faults!)).filter((r) => r.id === fault.id);
    console.log(`throttled reads: ${throttledWalk.length} pages/events read with ${counts.requests} requests, ${counts.unavailable} answered 503; ${rule!.hits} read calls throttled (${JSON.stringify(rule!.outcomes)})`);

    // Assess
    expect(counts.other).toEqual([]);
    expect(rule!.hits).toBeGreaterThan(20);
    expect(throttledWalk).toEqual(reference);
  }, 600_000);
  it('one timeline shard throttled past the SDK retries: the page answers 503 with Retry-After, never the other shards\' rows as a complete page', async () => {
    // Prepare: events on every shard; the unthrottled first page as the yardstick
    const { tenant, api } = await tenantWithToken();
    const now = Date.now();
    await ingest(api, Array.from({ length: 120 }, (_, i) => event({ id: uid('sh'), occurredAt: new Date(now - 600_000 + i * 1_000).toISOString() })));
    const url = withQuery('/v1/events', { limit: 100 });
    const reference = await api.get(url);
    expect(reference.status, reference.text).toBe(200);
    expect(reference.body.events).toHaveLength(100);
    // Every Query of shard 1's timeline partition (the JSON string "<tenant>#1"), and nothing else, is throttled.
    const fault = await injectFault(local.faults!, { kind: 'dynamodb-throttle', share: 1, operations: ['Query'], bodyContains: [`"${tenant}#1"`] });
    added.push(fault);

    // Act
    const throttled = await api.get(url);
    const [rule] = (await listFaults(local.faults!)).filter((r) => r.id === fault.id);
    await fault.remove();
    const after = await api.get(url);

    // Assess
    expect(rule!.hits).toBeGreaterThan(0);
    expect(throttled.status, throttled.text).toBe(503);
    expect(throttled.body.error.code).toBe('service_unavailable');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(after.text).toBe(reference.text);
  }, 120_000);
});

describe('concurrent first sends of the same id', () => {
  it('the same 5 batches of 100 sent twice at once: 500 reported new in total, 500 stored', async () => {
    // Prepare
    const { tenant, api } = await tenantWithToken();
    const batches = Array.from({ length: 5 }, () => Array.from({ length: 100 }, () => event({ id: uid('race') })));

    // Act
    const answers = await Promise.all([...batches, ...batches].map((events) => api.post('/v1/events', { events })));

    // Assess
    for (const r of answers) expect(r.status, r.text).toBe(201);
    const reportedNew = answers.reduce((n, r) => n + r.body.accepted - r.body.duplicates, 0);
    expect(reportedNew).toBe(500);
    expect(await storedItems(tenant)).toBe(500);
  }, 120_000);

  it('1,000 single POSTs racing in pairs over 500 ids: each id reported new exactly once, 500 stored', async () => {
    // Prepare
    const { tenant, api } = await tenantWithToken();
    const ids = Array.from({ length: 500 }, () => uid('pair'));

    // Act
    const news = new Map<string, number>();
    const statuses: number[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const group = ids.slice(i, i + 10).flatMap((id) => [id, id]);
      const answers = await Promise.all(group.map((id) => api.post('/v1/events', event({ id }))));
      answers.forEach((r, k) => {
        statuses.push(r.status);
        if (r.status === 201) news.set(group[k]!, (news.get(group[k]!) ?? 0) + r.body.accepted - r.body.duplicates);
      });
    }

    // Assess
    expect(statuses.filter((s) => s !== 201)).toEqual([]);
    expect([...news.values()].filter((n) => n !== 1)).toEqual([]);
    expect(news.size).toBe(500);
    expect(await storedItems(tenant)).toBe(500);
  }, 120_000);
});
