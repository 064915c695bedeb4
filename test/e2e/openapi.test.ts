/**
 * The OpenAPI document (and so docs/API.md) tells the truth about responses: every route,
 * called over HTTP against the local stack, answers a status the document lists for it,
 * with a body that matches the schema declared for that status (types, required fields,
 * no undeclared fields where the schema closes the object, enums, formats).
 */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/docs/spec.js';
import { adminOfNewTenant, ago, call, event, HOUR, issueToken, client, type ApiResponse, type Json } from './helpers.js';

const doc = openApiDocument as unknown as Json;

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/** Where `value` breaks `schema`, as `path: problem` lines (a small JSON Schema subset: what spec.ts uses). */
function violations(schema: Json, value: unknown, path = '$'): string[] {
  if (schema.$ref) return violations(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')], value, path);
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    return alternatives.some((s: Json) => violations(s, value, path).length === 0) ? [] : [`${path}: matches none of ${alternatives.length} alternatives`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`];
  if (schema.type) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (!types.includes(kind) && !(kind === 'integer' && types.includes('number'))) return [`${path}: ${kind}, expected ${types.join(' or ')}`];
  }
  const out: string[] = [];
  if (typeof value === 'string' && schema.format === 'date-time' && !DATE_TIME.test(value)) out.push(`${path}: not a date-time: ${value}`);
  if (typeof value === 'number' && schema.minimum !== undefined && value < schema.minimum) out.push(`${path}: below ${schema.minimum}`);
  if (Array.isArray(value) && schema.items) value.forEach((item, i) => out.push(...violations(schema.items, item, `${path}[${i}]`)));
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of schema.required ?? []) if (!(key in obj)) out.push(`${path}.${key}: required, absent`);
    for (const [key, v] of Object.entries(obj)) {
      const declared = schema.properties?.[key];
      if (declared) out.push(...violations(declared, v, `${path}.${key}`));
      else if (schema.additionalProperties === false || schema.additionalProperties?.not) out.push(`${path}.${key}: not declared`);
      else if (schema.additionalProperties?.type) out.push(...violations(schema.additionalProperties, v, `${path}.${key}`));
    }
  }
  return out;
}

/** Asserts that `res` is a documented response of `method route` and matches its schema. */
function expectDocumented(method: string, route: string, res: ApiResponse): void {
  const op = doc.paths[route]?.[method.toLowerCase()];
  expect(op, `${method} ${route} is documented`).toBeDefined();
  const response = op.responses[String(res.status)];
  expect(response, `${method} ${route} answered ${res.status}, which is not documented: ${res.text.slice(0, 300)}`).toBeDefined();
  const schema = response.content?.['application/json']?.schema;
  if (schema) expect(violations(schema, res.body), `${method} ${route} ${res.status}`).toEqual([]);
}

describe('responses match the OpenAPI document', () => {
  it('events: ingest, list, get, access logs', async () => {
    // Prepare
    const { admin } = await adminOfNewTenant();
    const full = event({
      occurredAt: ago(HOUR), category: 'project', resource: { type: 'project', id: 'p_7', name: 'Household survey' }, project: 'p_7',
      ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
      result: 'failure', severity: 'warning', message: 'Ada renamed it',
      changes: { before: { name: 'Survey' }, after: { name: 'Household survey' } }, metadata: { reason: 'typo', nested: { list: [1, 2] } },
    });
    const signIn = event({ action: 'auth.signed_in', ip: '198.51.100.7', userAgent: 'curl/8.5.0' });

    // Act + Assess
    expectDocumented('POST', '/v1/events', await admin.post('/v1/events', { events: [full, signIn, { action: 'x.y', actor: { type: 'system', id: 'cron' } }] }));
    expectDocumented('POST', '/v1/events', await admin.post('/v1/events', full)); // a re-send: duplicates 1
    const page = await admin.get('/v1/events', { limit: 2 });
    expectDocumented('GET', '/v1/events', page);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expectDocumented('GET', '/v1/events', await admin.get('/v1/events', { limit: 2, cursor: page.body.nextCursor }));
    const one = await admin.get(`/v1/events/${full.id}`);
    expectDocumented('GET', '/v1/events/{id}', one);
    expect(one.body.client).toBeDefined();
    const groups = await admin.get('/v1/access-logs', { range: '24h' });
    expectDocumented('GET', '/v1/access-logs', groups);
    expect(groups.body.groups).toHaveLength(1);

    expectDocumented('POST', '/v1/events', await admin.post('/v1/events', { events: [{ action: 'Not An Action' }] }));
    expectDocumented('GET', '/v1/events', await admin.get('/v1/events', { foo: '1' }));
    expectDocumented('GET', '/v1/events/{id}', await admin.get('/v1/events/absent-id'));
  });

  it('tokens and settings', async () => {
    // Prepare
    const { tenant, admin } = await adminOfNewTenant();
    const reader = client((await issueToken(tenant, ['events:read'])).token);

    // Act + Assess
    const created = await admin.post('/v1/tokens', { name: 'reader', scopes: ['events:read'], expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    expectDocumented('POST', '/v1/tokens', created);
    expectDocumented('GET', '/v1/tokens', await admin.get('/v1/tokens'));
    expectDocumented('DELETE', '/v1/tokens/{id}', await admin.del(`/v1/tokens/${created.body.id}`));
    expectDocumented('DELETE', '/v1/tokens/{id}', await admin.del('/v1/tokens/absent'));
    expectDocumented('GET', '/v1/settings', await admin.get('/v1/settings'));
    expectDocumented('PUT', '/v1/settings', await admin.put('/v1/settings', { retentionDays: 30, recording: { billing: false } }));
    expectDocumented('GET', '/v1/settings', await reader.get('/v1/settings')); // 403
    expectDocumented('GET', '/v1/tokens', await call('GET', '/v1/tokens', { token: 'alog_bad' })); // 401
  });

  it('exports and the document itself', async () => {
    // Prepare
    const { admin } = await adminOfNewTenant();
    expectDocumented('POST', '/v1/events', await admin.post('/v1/events', event()));

    // Act + Assess
    const queued = await admin.post('/v1/exports', { filters: { range: '24h', action: 'project.*' }, email: 'ops@example.com' });
    expectDocumented('POST', '/v1/exports', queued);
    expectDocumented('GET', '/v1/exports/{id}', await admin.get(`/v1/exports/${queued.body.id}`));
    expectDocumented('GET', '/v1/exports', await admin.get('/v1/exports', { limit: 1 }));
    expectDocumented('GET', '/v1/openapi.json', await call('GET', '/v1/openapi.json'));
  });
});
