import { describe, expect, it } from 'vitest';
import { fromLocalInput, readUrlState, sameFilters, toLocalInput, writeUrlState, rangeStart } from '../../../viewer/src/url-state.js';

describe('url state', () => {
  it('round-trips tab, filters (repeated action), access filters and the open event', () => {
    // Prepare
    const state = {
      tab: 'access' as const,
      filters: { action: ['project.updated', 'auth.*'], category: 'project', actor: 'u_42', resourceType: 'project', resourceId: 'p_7', project: 'p_7', result: 'failure' as const, severity: 'warning' as const, q: 'survey', range: '7d' as const },
      access: { actor: 'u_1', result: 'success' as const, from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' },
      event: 'evt-1',
    };
    // Act
    const qs = writeUrlState(state);
    // Assess
    expect(new URLSearchParams(qs).getAll('action')).toEqual(['project.updated', 'auth.*']);
    expect(readUrlState(qs)).toEqual(state);
  });

  it('defaults to the events tab with no filters, and writes a plain URL for it', () => {
    expect(readUrlState('')).toEqual({ tab: 'events', filters: {}, access: {} });
    expect(writeUrlState({ tab: 'events', filters: {}, access: {} })).toBe('');
  });

  it('drops junk: unknown tab, bad enums, bad ids, bad actions, unparseable dates', () => {
    const s = readUrlState('?tab=root&result=maybe&severity=loud&range=1y&actor=%3Cscript%3E&action=DROP%20TABLE&action=project.*&from=yesterday&project=' + 'x'.repeat(200) + '&category=Bad%20Cat&q=%20hi%20');
    expect(s).toEqual({ tab: 'events', filters: { action: ['project.*'], q: 'hi' }, access: {} });
  });

  it('prefers explicit from/to over a range preset and drops a from after to', () => {
    expect(readUrlState('?range=7d&from=2026-11-01T00:00:00Z').filters).toEqual({ from: '2026-11-01T00:00:00.000Z' });
    expect(readUrlState('?from=2026-11-03T00:00:00Z&to=2026-11-01T00:00:00Z').filters).toEqual({ to: '2026-11-01T00:00:00.000Z' });
  });

  it('de-duplicates actions and caps the search text', () => {
    const s = readUrlState('?action=a.b&action=a.b&q=' + 'z'.repeat(500));
    expect(s.filters.action).toEqual(['a.b']);
    expect(s.filters.q).toHaveLength(200);
  });

  it("keeps the host page's own parameters and replaces its own", () => {
    const qs = writeUrlState({ tab: 'admin', filters: { q: 'x' }, access: {} }, '?page=settings&q=old&action=a.b');
    const p = new URLSearchParams(qs);
    expect(p.get('page')).toBe('settings');
    expect(p.get('tab')).toBe('admin');
    expect(p.getAll('q')).toEqual(['x']);
    expect(p.getAll('action')).toEqual([]);
  });

  it('compares filters ignoring action order and empty values', () => {
    expect(sameFilters({ action: ['a.b', 'c.d'], q: '' }, { action: ['c.d', 'a.b'] })).toBe(true);
    expect(sameFilters({ actor: 'u_1' }, { actor: 'u_2' })).toBe(false);
  });

  it('converts datetime-local values in the local zone, both ways', () => {
    const iso = fromLocalInput('2026-11-05T14:30')!;
    expect(toLocalInput(iso)).toBe('2026-11-05T14:30');
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput('nope')).toBe('');
  });

  it('computes range starts', () => {
    const now = Date.parse('2026-12-03T00:00:00Z');
    expect(rangeStart('24h', now)).toBe('2026-12-02T00:00:00.000Z');
    expect(rangeStart('7d', now)).toBe('2026-11-26T00:00:00.000Z');
    expect(rangeStart('30d', now)).toBe('2026-11-03T00:00:00.000Z');
  });
});
