/**
 * Batch writes under throttling (the SDK client is stubbed; DynamoDB Local never
 * throttles): UnprocessedItems are retried with backoff until written, nothing is
 * written twice, and persistent throttling ends in a 503 instead of a silent loss.
 */
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventItem } from '../../lambdas/core/keys.js';

process.env.EVENTS_TABLE = 'events-test';
const { ddb } = await import('../../lambdas/adapters/dynamodb.js');
const { putEvents } = await import('../../lambdas/adapters/event-store.js');

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
    if (command instanceof BatchGetCommand) {
      const keys = command.input.RequestItems!['events-test']!.Keys as { pk: string }[];
      return { Responses: { 'events-test': keys.filter((k) => existing.includes(k.pk)) } };
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

    // Act
    const result = await putEvents(items);

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
    await expect(putEvents([item(1)])).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
  });
});

describe('putEvents existence check', () => {
  it('asks DynamoDB only about ids that may already exist (client-supplied), not fresh server ids', async () => {
    // Prepare
    const items = [item(1), item(2), item(3)];
    const { send } = stubDynamo([], () => []);

    // Act
    await putEvents(items, (it) => it.pk === 't#e2');

    // Assess: one BatchGet, for e2 only; all three written
    const gets = send.mock.calls.map(([c]) => c).filter((c) => c instanceof BatchGetCommand) as BatchGetCommand[];
    expect(gets).toHaveLength(1);
    expect(gets[0]!.input.RequestItems!['events-test']!.Keys).toEqual([{ pk: 't#e2' }]);
  });

  it('sends no BatchGet at all when every id is a fresh server id', async () => {
    const { send } = stubDynamo([], () => []);
    await putEvents([item(1), item(2)], () => false);
    expect(send.mock.calls.some(([c]) => c instanceof BatchGetCommand)).toBe(false);
  });
});
