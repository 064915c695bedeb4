/**
 * Query-string schemas (lambdas/core/schemas.ts) through `parseInput`, the one
 * entry point handlers use: a 400 whose details name every wrong field.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../lambdas/core/errors.js';
import { accessLogsQuerySchema, eventFilterSchema, formatPath, listEventsQuerySchema, parseInput } from '../../lambdas/core/schemas.js';
import { rejection } from './support.js';

const pathsOf = (error: ValidationError): string[] => [...new Set((error.details ?? []).map((d) => d.path))];
const listQuery = (query: Record<string, unknown>) => parseInput(listEventsQuerySchema, query, 'query');

describe('formatPath', () => {
  it.each([
    [['events', 3, 'actor', 'id'], 'events[3].actor.id'],
    [['action', 0], 'action[0]'],
    [['limit'], 'limit'],
    [[], '(body)'],
  ])('%j → %s', (path, text) => {
    // Act / Assess
    expect(formatPath(path)).toBe(text);
  });
});

describe('listEventsQuerySchema — limit', () => {
  it('defaults to 50', () => {
    // Act / Assess
    expect(listQuery({}).limit).toBe(50);
  });

  it.each([['1', 1], ['200', 200], ['37', 37]])('accepts %s (query strings are text)', (limit, value) => {
    // Act / Assess
    expect(listQuery({ limit }).limit).toBe(value);
  });

  it.each(['0', '201', '-1', '2.5', 'abc', ''])('rejects %j, naming limit', (limit) => {
    // Act
    const error = rejection(() => listQuery({ limit }));

    // Assess
    expect(error.status).toBe(400);
    expect(pathsOf(error)).toEqual(['limit']);
  });
});

describe('listEventsQuerySchema — time window', () => {
  it.each(['24h', '7d', '30d'])('accepts the range preset %s', (range) => {
    // Act / Assess
    expect(listQuery({ range }).range).toBe(range);
  });

  it('rejects an unknown range preset', () => {
    // Act
    const error = rejection(() => listQuery({ range: '1y' }));

    // Assess
    expect(pathsOf(error)).toEqual(['range']);
  });

  it.each([
    ['range with from', { range: '7d', from: '2026-01-01T00:00:00Z' }],
    ['range with to', { range: '7d', to: '2026-01-01T00:00:00Z' }],
  ])('rejects %s, on range', (_what, query) => {
    // Act
    const error = rejection(() => listQuery(query));

    // Assess
    expect(error.details).toEqual([{ path: 'range', message: 'use either range or from/to, not both' }]);
  });

  it('rejects from after to, on from', () => {
    // Act
    const error = rejection(() => listQuery({ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }));

    // Assess
    expect(error.details).toEqual([{ path: 'from', message: 'must not be after to' }]);
  });

  it('compares from and to as instants, after normalising offsets', () => {
    // Act: 01:00+02:00 is 23:00Z the day before, i.e. before `to`.
    const query = listQuery({ from: '2026-01-01T01:00:00+02:00', to: '2026-01-01T00:00:00Z' });

    // Assess
    expect(query).toMatchObject({ from: '2025-12-31T23:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
  });

  it('accepts from equal to to', () => {
    // Act / Assess
    expect(listQuery({ from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00.000Z' }).from).toBe('2026-01-01T00:00:00.000Z');
  });

  it('rejects a malformed from', () => {
    // Act
    const error = rejection(() => listQuery({ from: 'last tuesday' }));

    // Assess
    expect(pathsOf(error)).toEqual(['from']);
  });
});

describe('listEventsQuerySchema — filters', () => {
  it('accepts exact actions and prefixes', () => {
    // Act / Assess
    expect(listQuery({ action: ['project.*', 'auth.signed_in', 'billing.invoice.*'] }).action).toEqual(['project.*', 'auth.signed_in', 'billing.invoice.*']);
  });

  it.each(['project*', '*', 'project.*.x', 'Project.updated', 'project..x', 'project.'])('rejects the action filter %s, naming its index', (bad) => {
    // Act
    const error = rejection(() => listQuery({ action: ['project.updated', bad] }));

    // Assess
    expect(pathsOf(error)).toEqual(['action[1]']);
  });

  it('rejects more than 20 actions', () => {
    // Act
    const error = rejection(() => listQuery({ action: Array.from({ length: 21 }, (_, i) => `a.b${i}`) }));

    // Assess
    expect(pathsOf(error)).toEqual(['action']);
  });

  it.each([
    ['result', { result: 'ok' }],
    ['severity', { severity: 'fatal' }],
    ['category', { category: 'Auth' }],
    ['actorEmail', { actorEmail: 'not-an-email' }],
    ['q', { q: '   ' }],
  ])('rejects a bad %s', (path, query) => {
    // Act
    const error = rejection(() => listQuery(query));

    // Assess
    expect(pathsOf(error)).toEqual([path]);
  });

  it('trims q', () => {
    // Act / Assess
    expect(listQuery({ q: '  Household Survey ' }).q).toBe('Household Survey');
  });

  it('rejects an unknown parameter as an unknown field', () => {
    // Act
    const error = rejection(() => listQuery({ actorId: 'u_42' }));

    // Assess
    expect(error.details).toEqual([{ path: 'actorId', message: 'is not a known field' }]);
  });

  // BUG (lambdas/core/schemas.ts, every v.strictObject): valibot's strictObject stops at
  // the first unknown key (it `break`s after one issue), so only one of several unknown
  // fields is reported, against "every problem listed" (the zod version listed all).
  // Same for events: `{"foo": 1, "bar": 2}` reports only `foo`.
  // Suggested fix: validate with v.object(...) plus a v.rawCheck that adds one
  // "is not a known field" issue per key not in the schema's entries (a small
  // `strict(entries)` helper used wherever strictObject is used now).
  it('BUG: rejects every unknown parameter, not just the first', () => {
    // Act
    const error = rejection(() => listQuery({ actorId: 'u_42', sort: 'asc' }));

    // Assess
    expect(error.details).toEqual(expect.arrayContaining([{ path: 'actorId', message: 'is not a known field' }, { path: 'sort', message: 'is not a known field' }]));
  });

  it('lists every problem at once', () => {
    // Act
    const error = rejection(() => listQuery({ limit: '0', result: 'ok', action: ['X'], bogus: 1 }));

    // Assess
    expect(pathsOf(error).sort()).toEqual(['action[0]', 'bogus', 'limit', 'result']);
  });
});

describe('eventFilterSchema (exports) and accessLogsQuerySchema', () => {
  it.each([['limit', { limit: 10 }], ['cursor', { cursor: 'abc' }]])('export filters take no %s', (path, filters) => {
    // Act
    const error = rejection(() => parseInput(eventFilterSchema, filters, 'filters'));

    // Assess
    expect(error.details).toEqual([{ path, message: 'is not a known field' }]);
  });

  it('export filters apply the same window rules', () => {
    // Act
    const error = rejection(() => parseInput(eventFilterSchema, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'filters'));

    // Assess
    expect(pathsOf(error)).toEqual(['from']);
  });

  it('access logs accept actor, window and result only', () => {
    // Act
    const ok = parseInput(accessLogsQuerySchema, { actor: 'u_42', range: '24h', result: 'failure' }, 'query');
    const error = rejection(() => parseInput(accessLogsQuerySchema, { action: ['auth.*'] }, 'query'));

    // Assess
    expect(ok).toEqual({ actor: 'u_42', range: '24h', result: 'failure', limit: 50 });
    expect(error.details).toEqual([{ path: 'action', message: 'is not a known field' }]);
  });

  it('access logs reject from after to', () => {
    // Act
    const error = rejection(() => parseInput(accessLogsQuerySchema, { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, 'query'));

    // Assess
    expect(pathsOf(error)).toEqual(['from']);
  });
});
