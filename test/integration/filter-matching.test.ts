/**
 * One meaning of a filter: the live stream decides in memory which stored items
 * match a subscription (`matchesConditions`), the query path lets DynamoDB decide
 * (`planEventQuery`'s key range and filter expression). Both come from the same
 * `filterConditions`; this property test checks they agree, against DynamoDB Local:
 * random events are stored as ingest stores them, and for random filters the ids a
 * paged Query returns equal the ids the in-memory matcher picks from what was stored.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { INDEX_KEY, SORT_KEY, toItem, type EventItem } from '../../lambdas/core/keys.js';
import { filterConditions, matchesConditions, planEventQuery } from '../../lambdas/core/query-plan.js';
import { RESULTS, SEVERITIES, type EventFilter, type EventInput } from '../../lambdas/core/schemas.js';

const table = process.env.EVENTS_TABLE!;
if (!table) throw new Error("the global setup's handler environment is missing (EVENTS_TABLE)");
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const tenant = `match-${randomBytes(4).toString('hex')}`;
const SHARDS = 2;
const RETENTION_DAYS = 30;
const NOW = Date.now();

// A small vocabulary, so that random filters often match something.
const ACTORS = ['u_1', 'u_2', 'svc-3'];
const ACTIONS = ['project.created', 'project.deleted', 'project.member.added', 'user.signed_in', 'token.created'];
const CATEGORIES = ['project', 'auth', 'billing'];
const PROJECTS = ['p_1', 'p_2'];
const RESOURCES = [{ type: 'project', id: 'r_1' }, { type: 'survey', id: 'r_2' }, { type: 'survey', id: 'r_3' }];
const EMAILS = ['Ada@Example.com', 'bob@example.com'];
const WORDS = ['Household survey', 'quarterly report', 'Sign-in from a new device'];

const inputArb: fc.Arbitrary<EventInput> = fc.record({
  action: fc.constantFrom(...ACTIONS),
  category: fc.option(fc.constantFrom(...CATEGORIES), { nil: undefined }),
  actor: fc.record({ type: fc.constant('user' as const), id: fc.constantFrom(...ACTORS), email: fc.option(fc.constantFrom(...EMAILS), { nil: undefined }) }),
  resource: fc.option(fc.record({ pick: fc.constantFrom(...RESOURCES), name: fc.option(fc.constantFrom(...WORDS), { nil: undefined }) }), { nil: undefined }),
  project: fc.option(fc.constantFrom(...PROJECTS), { nil: undefined }),
  result: fc.constantFrom(...RESULTS),
  severity: fc.constantFrom(...SEVERITIES),
  message: fc.option(fc.constantFrom(...WORDS), { nil: undefined }),
  minutesAgo: fc.integer({ min: 0, max: 60 * 24 * 3 }),
}).map(({ resource, minutesAgo, ...rest }) => ({
  ...rest,
  resource: resource && { ...resource.pick, ...(resource.name ? { name: resource.name } : {}) },
  occurredAt: new Date(NOW - minutesAgo * 60_000).toISOString(),
}) as EventInput);

const filterFields = fc.record({
  actor: fc.constantFrom(...ACTORS, 'nobody'),
  action: fc.array(fc.constantFrom(...ACTIONS, 'project.*', 'project.member.*', 'user.*'), { minLength: 1, maxLength: 3 }),
  category: fc.constantFrom(...CATEGORIES),
  actorEmail: fc.constantFrom('ada@example.com', 'BOB@example.com'),
  resourceType: fc.constantFrom('project', 'survey'),
  resourceId: fc.constantFrom('r_1', 'r_2', 'r_3'),
  project: fc.constantFrom(...PROJECTS),
  result: fc.constantFrom(...RESULTS),
  severity: fc.constantFrom(...SEVERITIES),
  q: fc.constantFrom('survey', 'REPORT', 'device', 'ada'),
  range: fc.constantFrom('24h', '7d', '30d'),
});
/** Up to three of the filter's fields at once (more would almost never match anything). */
const filterArb: fc.Arbitrary<EventFilter> = filterFields.chain((fields) =>
  fc.shuffledSubarray(Object.keys(fields) as (keyof typeof fields)[], { maxLength: 3 }).map((keys) => Object.fromEntries(keys.map((k) => [k, fields[k]])) as EventFilter));

let stored: EventItem[] = [];

beforeAll(async () => {
  const inputs = fc.sample(inputArb, { seed: 20261203, numRuns: 300 });
  const receivedAt = new Date(NOW).toISOString();
  stored = inputs.map((input) => toItem(tenant, toAuditEvent(input, receivedAt), SHARDS, RETENTION_DAYS));
  for (let i = 0; i < stored.length; i += 25) {
    await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: stored.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
});

/** Every id the query path returns for `filter` (each partition paged with a Limit). */
async function queried(filter: EventFilter): Promise<string[]> {
  const plan = planEventQuery({ tenant, filter, shards: SHARDS, retentionDays: RETENTION_DAYS, now: NOW });
  const key = INDEX_KEY[plan.index];
  const ids: string[] = [];
  for (const partition of plan.partitions) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({
        TableName: table,
        IndexName: plan.index,
        KeyConditionExpression: '#k = :k AND #s BETWEEN :lo AND :hi',
        FilterExpression: plan.filter?.expression,
        ExpressionAttributeNames: { '#k': key, '#s': SORT_KEY, ...plan.filter?.names },
        ExpressionAttributeValues: { ':k': partition, ':lo': plan.lo, ':hi': plan.hi, ...plan.filter?.values },
        ExclusiveStartKey: start,
        Limit: 100,
      }));
      ids.push(...(page.Items ?? []).map((item) => String(item.pk)));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return ids.sort();
}

/** The ids the in-memory matcher picks: the filter's conditions, plus its time window as the query bounds it. */
function matched(filter: EventFilter): string[] {
  const plan = planEventQuery({ tenant, filter, shards: SHARDS, retentionDays: RETENTION_DAYS, now: NOW });
  const conditions = filterConditions(tenant, filter);
  return stored.filter((item) => item.s >= plan.lo && item.s <= plan.hi && matchesConditions(item, conditions)).map((item) => item.pk).sort();
}

describe('filter matching: the stream matcher and the query path agree', () => {
  it('for random filters over 300 stored events, both select exactly the same events', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(filterArb, async (filter) => {
        const expected = matched(filter);
        if (expected.length) nonEmpty++;
        expect(await queried(filter)).toEqual(expected);
      }),
      { seed: 20261204, numRuns: 150 },
    );
    // The property must not pass vacuously: a good share of the filters select something.
    expect(nonEmpty).toBeGreaterThan(30);
  });
});
