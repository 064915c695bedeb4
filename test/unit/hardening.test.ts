/**
 * Hostile input found by probing the local stack (issue 7), as plain regression tests:
 * deep nesting, names valibot skips (`__proto__`, `constructor`, `prototype`), lenient
 * numbers and repeated query parameters, hour 24. Each must be a 400 naming the field,
 * never a 500 and never silently accepted. The route tests go through the real
 * middleware stack (`route` in lambdas/shared/http.ts).
 */
import { describe, expect, it } from 'vitest';
import { parseIngestBody } from '../../lambdas/core/ingest.js';
import { nestedDeeperThan, nestingOverflow } from '../../lambdas/core/json-depth.js';
import { LIMITS } from '../../lambdas/core/limits.js';
import { listEventsQuerySchema, parseInput, putSettingsSchema } from '../../lambdas/core/schemas.js';
import { isTransientAwsError } from '../../lambdas/shared/aws-errors.js';
import { type ApiContext, type ApiEvent, json, queryParams, route } from '../../lambdas/shared/http.js';
import { rejection } from './support.js';

const nested = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};
const deepText = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const event = (extra: Record<string, unknown> = {}) => ({ action: 'project.updated', actor: { type: 'user', id: 'u_1' }, ...extra });
const details = (act: () => unknown) => rejection(act).details ?? [];

describe('nesting depth', () => {
  it('nestingOverflow finds the first container past the limit and names its outer path, without recursion', () => {
    // Prepare: 100,000 levels would overflow any recursive walk
    const text = `{"events":[{"action":"a"},{"metadata":{"k":${deepText(100_000)}}}]}`;

    // Act / Assess
    expect(nestingOverflow(text, 40)).toEqual(['events', 1, 'metadata']);
    expect(nestingOverflow(`{"a":{"b":1},"c":${deepText(50)}}`, 40, 1)).toEqual(['c']);
    expect(nestingOverflow(`{"k\\"[[[[":${deepText(3)}}`, 4)).toBeUndefined(); // brackets inside strings do not count
    expect(nestingOverflow(`{"a":${deepText(39)}}`, 40)).toBeUndefined();
  });

  it('nestedDeeperThan counts the value itself as level 1 and handles 100,000 levels', () => {
    expect(nestedDeeperThan({}, 1)).toBe(false);
    expect(nestedDeeperThan({ a: [] }, 1)).toBe(true);
    expect(nestedDeeperThan({ a: nested(31) }, 32)).toBe(false);
    expect(nestedDeeperThan({ a: nested(32) }, 32)).toBe(true);
    expect(nestedDeeperThan(nested(100_000), 32)).toBe(true);
  });

  it.each(['metadata', 'changes.before', 'changes.after'])('%s nested past %i levels is a 400 naming the field', (field) => {
    // Prepare: 5,000 levels (a 10 KB body) used to overflow JSON.stringify → 500
    const deep = { k: nested(5_000) };
    const input = field === 'metadata' ? event({ metadata: deep }) : event({ changes: { [field.split('.')[1]!]: deep } });

    // Act / Assess
    expect(details(() => parseIngestBody(input))).toEqual([{ path: field, message: `must not nest objects and arrays more than ${LIMITS.maxNestingDepth} levels deep` }]);
  });

  it('accepts metadata exactly at the depth limit', () => {
    expect(parseIngestBody(event({ metadata: { k: nested(LIMITS.maxNestingDepth - 2, {}) } }))).toHaveLength(1);
  });
});

describe('names valibot would skip', () => {
  it.each(['__proto__', 'constructor', 'prototype'])('an unknown top-level or actor field %s is rejected, not dropped', (key) => {
    // Prepare: as JSON.parse builds it (an own property, even for __proto__)
    const body = JSON.parse(`{"action":"a.b","actor":{"type":"user","id":"u","${key}":1},"${key}":{}}`);

    // Act / Assess
    expect(details(() => parseIngestBody(body))).toEqual(expect.arrayContaining([
      { path: key, message: 'is not a known field' },
      { path: `actor.${key}`, message: 'is not a known field' },
    ]));
    expect(details(() => parseIngestBody(body))).toHaveLength(2);
  });

  it('keeps such keys inside metadata (free JSON) instead of dropping them', () => {
    const [input] = parseIngestBody(JSON.parse('{"action":"a.b","actor":{"type":"user","id":"u"},"metadata":{"__proto__":{"x":1},"constructor":2}}'));
    expect(JSON.stringify(input!.metadata)).toBe('{"__proto__":{"x":1},"constructor":2}');
  });

  it('recording accepts constructor and prototype as categories, and rejects __proto__', () => {
    // Act
    const ok = parseInput(putSettingsSchema, JSON.parse('{"recording":{"constructor":false,"prototype":true}}'), 'body');
    const error = rejection(() => parseInput(putSettingsSchema, JSON.parse('{"recording":{"__proto__":false,"Bad":true,"auth":"no"}}'), 'body'));

    // Assess
    expect(Object.entries(ok.recording!)).toEqual([['constructor', false], ['prototype', true]]);
    expect(error.details).toEqual([
      { path: 'recording.__proto__', message: 'is reserved and cannot name a category' },
      { path: 'recording.Bad', message: 'must be a lowercase category' },
      { path: 'recording.auth', message: 'must be true or false' },
    ]);
  });

  it('an action in category __proto__ is rejected', () => {
    expect(details(() => parseIngestBody(event({ action: '__proto__.polluted' })))[0]).toMatchObject({ path: 'action' });
    expect(details(() => parseIngestBody(event({ category: '__proto__' })))[0]).toMatchObject({ path: 'category' });
  });
});

describe('timestamps', () => {
  it.each(['2026-11-22T24:00:00Z', '2026-11-22T23:60:00Z', '2026-11-22T23:59:60Z', '2026-11-22T10:00:00+24:00'])('rejects %s', (occurredAt) => {
    expect(details(() => parseIngestBody(event({ occurredAt }))).map((d) => d.path)).toEqual(['occurredAt']);
  });

  it('accepts 23:59:59.999 and offsets', () => {
    expect(parseIngestBody(event({ occurredAt: '2026-11-22T23:59:59.999-05:30' }))[0]!.occurredAt).toBe('2026-11-23T05:29:59.999Z');
  });
});

describe('query strings', () => {
  const apiEvent = (rawQueryString: string, body?: string): ApiEvent => ({
    rawQueryString, body, headers: { 'content-type': 'application/json' }, isBase64Encoded: false,
    requestContext: { authorizer: { lambda: { tenant: 't', scopes: 'admin', tokenId: 'x' } } },
  }) as unknown as ApiEvent;
  const echo = route({ scope: 'events:read' }, async (e) => json(200, parseInput(listEventsQuerySchema, queryParams(e, ['action']), 'query string')));
  const call = async (qs: string) => {
    const r = await echo(apiEvent(qs), {} as ApiContext);
    return { status: r.statusCode, body: JSON.parse(r.body as string) };
  };

  it.each(['1e2', '0x10', '+5', ' 5', '5 ', '5.0', '1_0'])('limit=%s is a 400 naming limit', async (limit) => {
    const r = await call(`limit=${encodeURIComponent(limit)}`);
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toEqual(['limit']);
  });

  it.each(['limit=5&limit=abc', 'limit=abc&limit=5', 'q=a&q=b&limit=1'])('a repeated single-value parameter is a 400 naming it: %s', async (qs) => {
    const r = await call(qs);
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toEqual({ path: qs.split('=')[0], message: 'is given more than once; give it once' });
  });

  it('repeatable parameters stay lists', async () => {
    const r = await call('action=a.b&action=c.*&limit=7');
    expect(r).toMatchObject({ status: 200, body: { action: ['a.b', 'c.*'], limit: 7 } });
  });

  it.each(['constructor', '__proto__', 'prototype', 'foo'])('?%s=1 is rejected as unknown', async (key) => {
    const r = await call(`${key}=1`);
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ path: key, message: 'is not a known field' }]);
  });
});

describe('request bodies', () => {
  const echoBody = route({ scope: 'events:write', body: true }, async (_e, { body }) => json(200, { ok: typeof body }));
  const post = async (body: string) => {
    const r = await echoBody({
      rawQueryString: '', body, headers: { 'content-type': 'application/json' }, isBase64Encoded: false,
      requestContext: { authorizer: { lambda: { tenant: 't', scopes: 'admin', tokenId: 'x' } } },
    } as unknown as ApiEvent, {} as ApiContext);
    return { status: r.statusCode, body: JSON.parse(r.body as string) };
  };

  it('a body nested past the body limit is refused before parsing, naming where', async () => {
    // Prepare: 500,000 levels in 1 MB (JSON.parse alone would take seconds)
    const r = await post(`{"events":[{"metadata":${deepText(499_000)}}]}`);

    // Assess
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].path).toBe('events[0].metadata');
  });
});

describe('isTransientAwsError', () => {
  it.each([
    [{ name: 'ProvisionedThroughputExceededException' }, true],
    [{ name: 'ThrottlingException' }, true],
    [{ name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }, true],
    [{ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'None' }, { Code: 'ThrottlingError' }] }, true],
    [{ name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'ThrottlingError' }] }, false],
    [{ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, false],
    [new TypeError('x'), false],
  ])('%j → %s', (error, transient) => {
    expect(isTransientAwsError(error)).toBe(transient);
  });
});
