/**
 * Live-stream rules (lambdas/core/stream.ts): client messages, tickets, and the fan-out
 * of stored events to subscriptions (tenant, filters, restrictions, oversized events).
 */
import { describe, expect, it } from 'vitest';
import { toAuditEvent } from '../../lambdas/core/event.js';
import { toItem } from '../../lambdas/core/keys.js';
import type { EventInput } from '../../lambdas/core/schemas.js';
import { fanOut, MAX_MESSAGE_BYTES, newTicket, parseClientMessage, splitEventPk, type StoredEvent, TICKET, ticketHash } from '../../lambdas/core/stream.js';

const stored = (tenant: string, input: Partial<EventInput> & { id: string }): StoredEvent => {
  const event = toAuditEvent({ action: 'project.updated', actor: { type: 'user', id: 'u_1' }, result: 'success', severity: 'info', ...input } as EventInput, '2026-12-03T08:00:00.000Z');
  return { tenant, item: toItem(tenant, event, 2, 30), event };
};

describe('parseClientMessage', () => {
  it('accepts subscribe (with filters), unsubscribe and ping', () => {
    expect(parseClientMessage('{"action":"subscribe","id":"s1","filters":{"project":"p_7","action":["project.*"]}}')).toEqual({
      message: { action: 'subscribe', id: 's1', filters: { project: 'p_7', action: ['project.*'] } },
    });
    expect(parseClientMessage('{"action":"subscribe","id":"s2"}')).toEqual({ message: { action: 'subscribe', id: 's2', filters: {} } });
    expect(parseClientMessage('{"action":"unsubscribe","id":"s1"}')).toEqual({ message: { action: 'unsubscribe', id: 's1' } });
    expect(parseClientMessage('{"action":"ping"}')).toEqual({ message: { action: 'ping' } });
  });

  it('answers an error frame naming the field for a bad message', () => {
    const frame = (text: string) => JSON.parse((parseClientMessage(text) as { error: string }).error) as { type: string; error: { code: string; details?: { path: string }[] } };
    expect(frame('not json').error.details).toEqual([{ path: '(body)', message: 'must be a JSON object' }]);
    expect(frame('{"action":"dance"}').error.details?.[0]?.path).toBe('action');
    expect(frame('{"action":"subscribe","id":"s1","filters":{"range":"24h"}}').error.details?.[0]?.path).toBe('filters.range');
    expect(frame('{"action":"subscribe","id":"s1","filters":{"limit":5}}').error.details?.[0]?.path).toBe('filters.limit');
    expect(frame('{"action":"subscribe"}').error.details?.[0]).toEqual({ path: 'id', message: 'is required' });
    expect(frame('{"action":"ping","x":1}').type).toBe('error');
  });
});

describe('tickets', () => {
  it('are 43 base64url characters, stored only as their hash', () => {
    const { ticket, hash } = newTicket();
    expect(ticket).toMatch(TICKET);
    expect(hash).toBe(ticketHash(ticket));
    expect(hash).not.toContain(ticket);
    expect(newTicket().ticket).not.toBe(ticket);
  });
});

describe('fanOut', () => {
  const events = [
    stored('acme', { id: 'e1', project: 'p_7', action: 'project.created' }),
    stored('acme', { id: 'e2', project: 'p_8', action: 'project.deleted' }),
    stored('acme', { id: 'e3', project: 'p_7', action: 'user.signed_in', category: 'auth' }),
  ];

  it('sends each matching event once per matching subscription, in event order', () => {
    // Act
    const out = fanOut('acme', events, [
      { connectionId: 'c1', subscriptions: { all: {}, p7: { project: 'p_7' } } },
      { connectionId: 'c2', subscriptions: { deletions: { action: ['project.deleted'] } } },
    ]);

    // Assess
    const seen = out.map((d) => { const m = JSON.parse(d.data); return `${d.connectionId}/${m.subscription}/${m.event.id}`; });
    expect(seen).toEqual(['c1/all/e1', 'c1/p7/e1', 'c1/all/e2', 'c2/deletions/e2', 'c1/all/e3', 'c1/p7/e3']);
    expect(JSON.parse(out[0]!.data)).toEqual({ type: 'event', subscription: 'all', event: events[0]!.event });
  });

  it('ANDs the connection restriction into every subscription; a contradicting filter gets nothing', () => {
    // Act
    const out = fanOut('acme', events, [
      { connectionId: 'c1', restrict: { project: 'p_7' }, subscriptions: { all: {}, other: { project: 'p_8' } } },
    ]);

    // Assess
    expect(out.map((d) => JSON.parse(d.data).event.id)).toEqual(['e1', 'e3']);
  });

  it("never sends another tenant's event", () => {
    const out = fanOut('acme', [stored('globex', { id: 'g1' }), ...events], [{ connectionId: 'c1', subscriptions: { all: {} } }]);
    expect(out.map((d) => JSON.parse(d.data).event.id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('sends an event too large for one message as an event_ref, never drops it', () => {
    // Arrange
    const big = stored('acme', { id: 'big', metadata: { blob: 'x'.repeat(MAX_MESSAGE_BYTES) } });

    // Act
    const [d] = fanOut('acme', [big], [{ connectionId: 'c1', subscriptions: { s1: {} } }]);

    // Assess
    expect(JSON.parse(d!.data)).toEqual({ type: 'event_ref', subscription: 's1', id: 'big', occurredAt: big.event.occurredAt });
  });
});

describe('splitEventPk', () => {
  it('splits at the last #: tenants may hold #, ids never do', () => {
    expect(splitEventPk('acme#e1')).toEqual({ tenant: 'acme', id: 'e1' });
    expect(splitEventPk('a#b#e1')).toEqual({ tenant: 'a#b', id: 'e1' });
    expect(splitEventPk('nohash')).toBeUndefined();
  });
});

describe('insertedEvents (stream records → events)', () => {
  it('decodes inserted events as Lambda delivers them (binary body as base64) and skips what is not an event, reporting it', async () => {
    // Arrange
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { insertedEvents } = await import('../../lambdas/adapters/stream-records.js');
    const good = stored('acme', { id: 'e1' });
    const image = (item: object) => Object.fromEntries(Object.entries(marshall(item, { removeUndefinedValues: true })).map(([k, v]) => [k, v.B ? { B: Buffer.from(v.B).toString('base64') } : v]));
    const record = (n: number, eventName: 'INSERT' | 'REMOVE', item: object) => ({ eventName, dynamodb: { SequenceNumber: String(n), NewImage: image(item) } }) as never;
    const skipped: string[] = [];

    // Act
    const events = insertedEvents([record(1, 'INSERT', good.item), record(2, 'INSERT', { pk: 'acme#bad', b: 'x' }), record(3, 'REMOVE', good.item)], (seq) => skipped.push(seq));

    // Assess
    expect(events.map((e) => [e.tenant, e.event.id, e.sequenceNumber])).toEqual([['acme', 'e1', '1']]);
    expect(events[0]!.event).toEqual(good.event);
    expect(skipped).toEqual(['2']);
  });
});
