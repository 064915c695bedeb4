/**
 * The OpenAPI document (lambdas/docs/spec.ts): generated from the validating
 * schemas; checked here for the exports routes (contract: Exports) and for
 * references that resolve.
 */
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/docs/spec.js';
import { EXPORT_COLUMNS } from '../../lambdas/core/csv.js';
import { EXPORT_STATUSES, type ExportRecord, exportView } from '../../lambdas/core/exports.js';

type Json = Record<string, any>;
const doc = openApiDocument as unknown as Json;
const components = doc.components.schemas as Json;

/** Every `$ref` string anywhere under `node`. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
  return [];
}
const refOf = (response: Json): string | undefined => response.content?.['application/json']?.schema?.$ref;

describe('OpenAPI document — exports', () => {
  it('documents POST /v1/exports: CreateExport body, 202 ExportView with Location, errors, scope exports:write', () => {
    // Act
    const post = doc.paths['/v1/exports']?.post as Json;

    // Assess
    expect(post.security).toEqual([{ bearer: ['exports:write'] }]);
    expect(post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateExport' });
    expect(refOf(post.responses['202'])).toBe('#/components/schemas/ExportView');
    expect(post.responses['202'].headers).toHaveProperty('location');
    expect(post.responses).not.toHaveProperty('200');
    expect(post.description).toContain(EXPORT_COLUMNS.join(', '));
    for (const code of ['400', '401', '403', '503']) expect(refOf(post.responses[code]), code).toBe('#/components/schemas/Error');
  });

  it('documents GET /v1/exports: limit 1..100 (default 20), cursor, 200 ExportList, scope exports:write', () => {
    // Act
    const get = doc.paths['/v1/exports']?.get as Json;

    // Assess
    expect(get.security).toEqual([{ bearer: ['exports:write'] }]);
    expect(get.parameters.map((p: Json) => p.name)).toEqual(['limit', 'cursor']);
    expect(get.parameters[0].schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: 20 });
    expect(refOf(get.responses['200'])).toBe('#/components/schemas/ExportList');
    expect(components.ExportList.properties.exports.items).toEqual({ $ref: '#/components/schemas/ExportView' });
    expect(components.ExportList.required).toEqual(['exports', 'nextCursor']);
    for (const code of ['400', '401', '403']) expect(get.responses).toHaveProperty(code);
  });

  it('documents GET /v1/exports/{id}: path id, 200 ExportView, 404, scope exports:write', () => {
    // Act
    const get = doc.paths['/v1/exports/{id}']?.get as Json;

    // Assess
    expect(get.security).toEqual([{ bearer: ['exports:write'] }]);
    expect(get.parameters).toEqual([{ name: 'id', in: 'path', required: true, description: expect.any(String), schema: { type: 'string' } }]);
    expect(refOf(get.responses['200'])).toBe('#/components/schemas/ExportView');
    expect(refOf(get.responses['404'])).toBe('#/components/schemas/Error');
  });

  it('generates CreateExport from createExportSchema: email required, format csv by default, filters as GET /v1/events, no unknown keys', () => {
    // Act
    const body = components.CreateExport as Json;

    // Assess
    expect(body.type).toBe('object');
    expect(body.required).toEqual(['email']);
    expect(Object.keys(body.properties).sort()).toEqual(['email', 'filters', 'format']);
    expect(body.properties.email).toMatchObject({ type: 'string', format: 'email' });
    expect(body.properties.format).toMatchObject({ enum: ['csv'], default: 'csv' });
    expect(body.additionalProperties).toEqual({ not: {} });
    const filters = body.properties.filters as Json;
    expect(filters.additionalProperties).toEqual({ not: {} });
    expect(Object.keys(filters.properties).sort()).toEqual(Object.keys(components.EventFilter.properties).sort());
    expect(filters.properties).not.toHaveProperty('cursor');
    expect(filters.properties).not.toHaveProperty('limit');
  });

  it('lets filters.action be one action or a list', () => {
    // Act
    const action = components.CreateExport.properties.filters.properties.action as Json;

    // Assess
    expect(action.oneOf.map((s: Json) => s.type)).toEqual(['string', 'array']);
    expect(action.oneOf[0].pattern).toBe(action.oneOf[1].items.pattern);
  });

  it('describes ExportView with exactly the fields exportView returns, all required (null when absent)', () => {
    // Prepare
    const record: ExportRecord = {
      id: 'x', tenant: 't', status: 'queued', format: 'csv', filters: {}, window: {}, retentionDays: 90, email: 'ops@example.com',
      requestedBy: 'tok', createdAt: '2026-03-10T12:00:00.000Z', key: 'k', seq: 0, part: 1, rowCount: 0, bytes: 0,
    };
    const view = exportView(record);
    const schema = components.ExportView as Json;

    // Assess
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(view).sort());
    expect([...schema.required].sort()).toEqual(Object.keys(view).sort());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.status.enum).toEqual([...EXPORT_STATUSES]);
    for (const [field, value] of Object.entries(view)) {
      if (value === null) expect(schema.properties[field].type, field).toContain('null');
    }
    for (const field of ['id', 'status', 'rowCount', 'bytes', 'createdAt', 'completedAt', 'downloadUrl', 'error']) expect(schema.required).toContain(field);
  });
});

describe('OpenAPI document — integrity', () => {
  it('resolves every $ref to a component schema', () => {
    // Act
    const refs = [...new Set(refsIn(doc))];

    // Assess
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) {
      expect(r).toMatch(/^#\/components\/schemas\//);
      expect(components, r).toHaveProperty(r.replace('#/components/schemas/', ''));
    }
  });

  it('uses only declared scopes', () => {
    // Prepare
    const declared = doc.components.securitySchemes.bearer.description as string;

    // Act
    const used = Object.values(doc.paths as Json).flatMap((ops) => Object.values(ops as Json).flatMap((op) => ((op as Json).security ?? []).flatMap((s: Json) => s.bearer)));

    // Assess
    expect(used).toContain('exports:write');
    for (const scope of used) expect(declared).toContain(scope);
  });
});
