/**
 * Event writes with a stubbed SDK client: UnprocessedItems are retried with backoff until
 * written, nothing is written twice, persistent throttling ends in a 503 instead of a silent
 * loss, and client-supplied ids are written with a condition (never read first).
 * test/e2e/throttling.test.ts proves the same against DynamoDB Local behind a throttling proxy.
 */
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb.js';
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

  it('lets a throttling error that outlasted the SDK retries through (503 at the edge), not a silent loss', async () => {
    vi.spyOn(ddb, 'send').mockRejectedValue(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(putEvents([item(1)])).rejects.toMatchObject({ name: 'ProvisionedThroughputExceededException' });
  });
});
