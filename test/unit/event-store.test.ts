/**
 * Event writes with a stubbed SDK client: UnprocessedItems are retried with backoff until
 * written, nothing is written twice, persistent throttling ends in a 503 instead of a silent
 * loss, and client-supplied ids are written with a condition (never read first).
 * test/e2e/throttling.test.ts proves the same against DynamoDB Local behind a throttling proxy.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, sdkRetryDelay, withBackoff } from '../../lambdas/adapters/dynamodb.js';
import { createEventStore } from '../../lambdas/adapters/event-store.js';
import type { EventItem } from '../../lambdas/core/keys.js';

const ddb = createDocumentClient({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const { putEvents } = createEventStore({ ddb, tableName: 'events-test' });

const item = (i: number) => ({ pk: `t#e${i}`, s: `2026-11-22T00:00:00.000Z#e${i}` }) as unknown as EventItem;
type Request = { PutRequest: { Item: EventItem } };

beforeAll(() => {
  vi.spyOn(Math, 'random').mockReturnValue(0); // no real sleeping between retry rounds
});
afterEach(() => vi.mocked(ddb.send).mockRestore?.());

/** Stubs DynamoDB: `existing` ids are present; each BatchWrite leaves `leave(round)` items unprocessed. */
function stubDynamo(existing: string[], leave: (round: number, requests: Request[]) => Request[]) {
  const written: string[] = [];
  let round = 0;
  const send = vi.spyOn(ddb, 'send').mockImplementation(async (command: unknown) => {
    if (command instanceof PutCommand) {
      const pk = (command.input.Item as EventItem).pk;
      expect(command.input.ConditionExpression).toBe('attribute_not_exists(pk)');
      if (existing.includes(pk) || written.includes(pk)) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      written.push(pk);
      return {};
    }
    if (command instanceof BatchWriteCommand) {
      const requests = command.input.RequestItems!['events-test'] as Request[];
      expect(requests.length).toBeLessThanOrEqual(25);
      const unprocessed = leave(round++, requests);
      for (const r of requests) if (!unprocessed.includes(r)) written.push(r.PutRequest.Item.pk);
      return { UnprocessedItems: unprocessed.length ? { 'events-test': unprocessed } : {} };
    }
    throw new Error(`unexpected command ${String(command)}`);
  });
  return { written, send };
}

describe('putEvents', () => {
  it('retries UnprocessedItems until every item is written exactly once', async () => {
    // Prepare: 100 new items; the first three rounds of each batch leave half unprocessed
    const items = Array.from({ length: 100 }, (_, i) => item(i));
    const { written } = stubDynamo([], (round, requests) => (round < 12 ? requests.slice(0, Math.ceil(requests.length / 2)) : []));

    // Act: server ids (no condition needed)
    const result = await putEvents(items, () => false);

    // Assess
    expect(result.duplicates).toBe(0);
    expect(written.sort()).toEqual(items.map((it) => it.pk).sort());
  });

  it('skips ids that already exist and repeats within the batch', async () => {
    // Prepare
    const items = [item(1), item(2), item(3), item(2)];
    const { written } = stubDynamo(['t#e1'], () => []);

    // Act
    const result = await putEvents(items);

    // Assess
    expect(written.sort()).toEqual(['t#e2', 't#e3']);
    expect(result.duplicates).toBe(2);
  });

  it('fails with 503 (nothing silently lost) when DynamoDB keeps throttling', async () => {
    // Prepare: every write round leaves everything unprocessed
    stubDynamo([], (_round, requests) => requests);

    // Act + Assess
    await expect(putEvents([item(1)], () => false)).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
  });
});

describe('putEvents with client-supplied ids', () => {
  it('writes ids that may exist with a conditional put each, and fresh server ids in batches, without reading', async () => {
    // Prepare: e2 is a client id that is stored already
    const items = [item(1), item(2), item(3)];
    const { send, written } = stubDynamo(['t#e2'], () => []);

    // Act
    const result = await putEvents(items, (it) => it.pk !== 't#e1');

    // Assess: e1 in a BatchWrite, e2 and e3 as conditional puts; e2 is the duplicate
    const commands = send.mock.calls.map(([c]) => c);
    expect(commands.filter((c) => c instanceof PutCommand).map((c) => ((c as PutCommand).input.Item as EventItem).pk).sort()).toEqual(['t#e2', 't#e3']);
    expect(commands.filter((c) => c instanceof BatchWriteCommand)).toHaveLength(1);
    expect(commands.every((c) => c instanceof PutCommand || c instanceof BatchWriteCommand)).toBe(true);
    expect(result).toMatchObject({ duplicates: 1 });
    expect(result.written.map((it) => it.pk).sort()).toEqual(['t#e1', 't#e3']);
    expect(written.sort()).toEqual(['t#e1', 't#e3']);
  });

  it('counts the loser of two concurrent first sends of the same id as a duplicate', async () => {
    // Prepare
    stubDynamo([], () => []);

    // Act: the same id sent twice at once
    const [a, b] = await Promise.all([putEvents([item(7)]), putEvents([item(7)])]);

    // Assess: exactly one wins
    expect(a.written.length + b.written.length).toBe(1);
    expect(a.duplicates + b.duplicates).toBe(1);
  });

  it('puts again the ids still throttled after the SDK retries (its retry quota spent): each stored once, duplicates counted right', async () => {
    // Prepare: 100 client ids, 40 of them stored already; like an SDK whose retry quota is spent, every
    // put fails its first attempts at 30 %, whether or not the item exists
    const items = Array.from({ length: 100 }, (_, i) => item(i));
    const existing = items.slice(0, 40).map((it) => it.pk);
    const { written } = stubDynamo(existing, () => []);
    const stubbed = vi.mocked(ddb.send).getMockImplementation()! as unknown as (command: unknown) => Promise<unknown>;
    let calls = 0;
    vi.mocked(ddb.send).mockImplementation(async (command: unknown): Promise<any> => {
      if (calls++ % 10 < 3) throw Object.assign(new Error('throttled'), { name: calls % 2 ? 'ProvisionedThroughputExceededException' : 'ThrottlingException' });
      return stubbed(command);
    });

    // Act
    const result = await putEvents(items);

    // Assess: the request succeeds; the 60 new ids are written once and reported new, the 40 stored ones are duplicates
    expect(calls).toBeGreaterThan(100);
    expect(written.sort()).toEqual(items.slice(40).map((it) => it.pk).sort());
    expect(result.written).toHaveLength(60);
    expect(result.duplicates).toBe(40);
  });

  it('ends in a 503 (nothing silently lost) when the puts of client ids stay throttled, after putting them again', async () => {
    // Prepare
    const send = vi.spyOn(ddb, 'send').mockRejectedValue(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));

    // Act + Assess
    await expect(putEvents([item(1)])).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(send.mock.calls.length).toBeGreaterThan(1);
  });

  it('lets other errors through at once (a 5xx the SDK retried may have written the item; the client resends)', async () => {
    // Prepare
    const send = vi.spyOn(ddb, 'send').mockRejectedValue(Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));

    // Act + Assess
    await expect(putEvents([item(1)])).rejects.toMatchObject({ name: 'InternalServerError' });
    expect(send).toHaveBeenCalledTimes(1);
  });
});

describe('retries fit the functions\' 10 s timeout (a timeout is a 500, not a 503)', () => {
  it('the SDK\'s 4 retries of a DynamoDB call pause 2.4 s at most, throttling included', async () => {
    // Prepare: the largest jitter
    vi.mocked(Math.random).mockReturnValue(0.9999);

    // Act
    const strategy = await ddb.config.retryStrategy();
    const pauses = [1, 2, 3, 4].map(sdkRetryDelay);
    vi.mocked(Math.random).mockReturnValue(0);

    // Assess
    expect(strategy).toBeInstanceOf(ConfiguredRetryStrategy);
    expect((strategy as unknown as { computeNextBackoffDelay: unknown }).computeNextBackoffDelay).toBe(sdkRetryDelay);
    expect(pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(2_400);
  });

  it('withBackoff answers 503 rather than start a round more than 5 s after the first', async () => {
    // Prepare: each round takes 2 s of (fake) time and leaves everything pending
    let clock = 1_000_000;
    const now = vi.spyOn(Date, 'now').mockImplementation(() => clock);
    let rounds = 0;

    // Act + Assess
    await expect(withBackoff([1], async (pending) => { rounds++; clock += 2_000; return pending; }, 'test writes'))
      .rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(rounds).toBe(3); // started at 0 s, 2 s and 4 s; the one at 6 s is refused
    now.mockRestore();
  });
});
