import { describe, expect, it } from 'vitest';
import { inWindow, newerFirst, placeLive } from '../../../viewer/src/ordering.js';
import type { AuditEvent } from '../../../viewer/src/types.js';

const ev = (id: string, occurredAt: string): AuditEvent => ({
  id, occurredAt, receivedAt: occurredAt, action: 'a.b', category: 'a', actor: { type: 'user', id: 'u' }, result: 'success', severity: 'info',
});
const id = (e: AuditEvent) => e;
const opts = { ids: new Set<string>(), filters: {}, more: false, cap: 100, now: Date.parse('2026-12-03T12:00:00Z') };

describe('ordering of live events', () => {
  it('orders newest first by occurredAt, then id', () => {
    const list = [ev('a', '2026-12-01T00:00:00.000Z'), ev('c', '2026-12-02T00:00:00.000Z'), ev('b', '2026-12-02T00:00:00.000Z')].sort(newerFirst);
    expect(list.map((e) => e.id)).toEqual(['c', 'b', 'a']);
  });

  it('places late and out-of-order events by occurredAt among the rows', () => {
    // Prepare
    const rows = [ev('r3', '2026-12-03T10:00:00.000Z'), ev('r1', '2026-12-03T08:00:00.000Z')];
    // Act
    const placed = placeLive(rows, [ev('late', '2026-12-03T09:00:00.000Z'), ev('new', '2026-12-03T11:00:00.000Z')], id, id, opts);
    // Assess
    expect(placed.rows.map((e) => e.id)).toEqual(['new', 'r3', 'late', 'r1']);
    expect(placed.added.map((e) => e.id)).toEqual(['new', 'late']);
  });

  it('drops ids already listed and repeats within the batch', () => {
    const rows = [ev('r1', '2026-12-03T08:00:00.000Z')];
    const placed = placeLive(rows, [ev('r1', '2026-12-03T08:00:00.000Z'), ev('x', '2026-12-03T09:00:00.000Z'), ev('x', '2026-12-03T09:00:00.000Z')], id, id, { ...opts, ids: new Set(['r1']) });
    expect(placed.rows.map((e) => e.id)).toEqual(['x', 'r1']);
  });

  it('leaves events older than the last row to "Load more" while older pages remain', () => {
    const rows = [ev('r1', '2026-12-03T08:00:00.000Z')];
    const placed = placeLive(rows, [ev('old', '2026-12-01T00:00:00.000Z')], id, id, { ...opts, more: true });
    expect(placed.added).toEqual([]);
    expect(placeLive(rows, [ev('old', '2026-12-01T00:00:00.000Z')], id, id, opts).rows.map((e) => e.id)).toEqual(['r1', 'old']);
  });

  it('keeps events out of the time window out', () => {
    expect(inWindow(ev('a', '2026-12-01T00:00:00.000Z'), { range: '24h' }, opts.now)).toBe(false);
    expect(inWindow(ev('a', '2026-12-03T11:00:00.000Z'), { range: '24h' }, opts.now)).toBe(true);
    expect(inWindow(ev('a', '2026-12-03T11:00:00.000Z'), { to: '2026-12-03T10:00:00.000Z' }, opts.now)).toBe(false);
    expect(placeLive([], [ev('a', '2026-11-01T00:00:00.000Z')], id, id, { ...opts, filters: { from: '2026-12-01T00:00:00.000Z' } }).added).toEqual([]);
  });

  it('caps the list, dropping the oldest rows', () => {
    const rows = [ev('r2', '2026-12-03T08:00:00.000Z'), ev('r1', '2026-12-03T07:00:00.000Z')];
    const placed = placeLive(rows, [ev('n1', '2026-12-03T09:00:00.000Z'), ev('n2', '2026-12-03T10:00:00.000Z')], id, id, { ...opts, cap: 3 });
    expect(placed.rows.map((e) => e.id)).toEqual(['n2', 'n1', 'r2']);
    expect(placed.dropped.map((e) => e.id)).toEqual(['r1']);
  });
});
