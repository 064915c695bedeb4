/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate
 * requests, so the published contract cannot drift from the code.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import { createTokenSchema, eventFilterSchema, eventInputSchema, putSettingsSchema, RESULTS, SCOPES, SEVERITIES } from '../core/schemas.js';
import { createExportSchema, EXPORT_FORMATS, EXPORT_STATUSES } from '../core/exports.js';
import { LIMITS } from '../core/limits.js';

const schema = (s: GenericSchema) => {
  const { $schema: _ignored, ...rest } = toJsonSchema(s, { errorMode: 'ignore' }) as Record<string, unknown>;
  return rest;
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const ok = (description: string, name?: string) => ({ description, content: { 'application/json': { schema: name ? ref(name) : { type: 'object' } } } });
const errors = Object.fromEntries(
  [['400', 'Validation error; `details` names every field'], ['401', 'Missing, invalid, expired or revoked token'], ['403', 'Token lacks the scope'], ['404', 'Not found in this tenant'], ['413', 'Payload too large'], ['500', 'Internal error (no internals disclosed)']]
    .map(([code, description]) => [code, { description, content: { 'application/json': { schema: ref('Error') } } }]),
);
const query = (name: string, description: string, extra: Record<string, unknown> = {}) => ({ name, in: 'query', required: false, description, schema: { type: 'string' }, ...extra });
const filterParams = [
  query('from', 'ISO-8601 lower bound on occurredAt'), query('to', 'ISO-8601 upper bound on occurredAt'),
  query('range', 'Preset window instead of from/to', { schema: { enum: ['24h', '7d', '30d', '90d'] } }),
  query('action', 'Repeatable; `project.*` matches a prefix', { explode: true, schema: { type: 'array', items: { type: 'string' } } }),
  query('category', 'Category'), query('actor', 'Actor id (indexed)'), query('actorEmail', 'Actor email, case-insensitive'),
  query('resourceType', 'Resource type'), query('resourceId', 'Resource id (indexed)'), query('project', 'Project (indexed)'),
  query('result', 'Result', { schema: { enum: RESULTS } }), query('severity', 'Severity', { schema: { enum: SEVERITIES } }),
  query('q', 'Case-insensitive substring over actor name/email, action, resource name, message'),
];
const pageParams = [
  query('limit', `Page size 1..${LIMITS.maxPageSize}`, { schema: { type: 'integer', minimum: 1, maximum: LIMITS.maxPageSize, default: LIMITS.defaultPageSize } }),
  query('cursor', 'Opaque cursor from the previous page (bound to tenant and filters)'),
];
const scopes = (...s: string[]) => [{ bearer: s }];
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };

/** POST /v1/exports body. Generated, except that `filters.action` also takes a single action (as the query string does). */
const createExportBody = (() => {
  const body = schema(createExportSchema) as { properties: { filters: { properties: Record<string, Record<string, unknown>> } } };
  const action = body.properties.filters.properties.action!;
  body.properties.filters.properties.action = { oneOf: [action.items, action], description: 'One action or a list; `project.*` matches a prefix' };
  return body;
})();
const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra });
/** The public view of an export (core/exports.ts `ExportView`; a unit test keeps the two in step). */
const exportViewSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'status', 'format', 'filters', 'email', 'rowCount', 'bytes', 'createdAt', 'startedAt', 'completedAt', 'downloadUrl', 'downloadUrlExpiresAt', 'fileExpiresAt', 'error'],
  properties: {
    id: { type: 'string' },
    status: { enum: EXPORT_STATUSES },
    format: { enum: EXPORT_FORMATS },
    filters: { ...ref('EventFilter'), description: 'The filters as requested (a relative `range` is frozen to absolute bounds when the export is requested)' },
    email: { type: 'string', format: 'email', description: 'Where the notification goes' },
    rowCount: { type: 'integer', minimum: 0, description: 'Rows in the file; while running, the rows written so far' },
    bytes: nullable('integer', { minimum: 0, description: 'Size of the file (so far, while running); null while queued or after a failure' }),
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: nullable('string', { format: 'date-time' }),
    completedAt: nullable('string', { format: 'date-time' }),
    downloadUrl: nullable('string', { format: 'uri', description: 'A freshly presigned S3 URL once succeeded (until the file is deleted)' }),
    downloadUrlExpiresAt: nullable('string', { format: 'date-time', description: 'When downloadUrl stops working (ExportLinkTtlHours, never past fileExpiresAt)' }),
    fileExpiresAt: nullable('string', { format: 'date-time', description: 'When the file is deleted' }),
    error: nullable('string', { description: 'Why the export failed, when it did' }),
  },
};

/** The document served at GET /v1/openapi.json. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Serverless audit log', version: '1.0.0', description: 'Record audit events, then filter, search and read them. Multi-tenant: the tenant comes from the token.' },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: `Scopes: ${SCOPES.join(', ')} (admin implies all)` } },
    schemas: {
      EventInput: schema(eventInputSchema),
      EventFilter: schema(eventFilterSchema),
      CreateToken: schema(createTokenSchema),
      PutSettings: schema(putSettingsSchema),
      CreateExport: createExportBody,
      ExportView: exportViewSchema,
      ExportList: {
        type: 'object', additionalProperties: false, required: ['exports', 'nextCursor'],
        properties: { exports: { type: 'array', items: ref('ExportView') }, nextCursor: nullable('string', { description: 'Opaque cursor of the next page, or null' }) },
      },
      Error: {
        type: 'object', required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } } } },
      },
    },
  },
  paths: {
    '/v1/events': {
      post: {
        summary: 'Record one event or a batch of up to 100 (all-or-nothing, idempotent by id)', security: scopes('events:write'),
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [ref('EventInput'), { type: 'object', required: ['events'], additionalProperties: false, properties: { events: { type: 'array', minItems: 1, maxItems: LIMITS.batchSize, items: ref('EventInput') } } }] } } } },
        responses: { '201': ok('`{accepted, skipped, duplicates, ids}`'), ...errors },
      },
      get: { summary: 'List events, newest first', security: scopes('events:read'), parameters: [...filterParams, ...pageParams], responses: { '200': ok('`{events, nextCursor}`'), ...errors } },
    },
    '/v1/events/{id}': {
      get: { summary: 'One whole event', security: scopes('events:read'), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': ok('The event'), ...errors } },
    },
    '/v1/access-logs': {
      get: {
        summary: 'Sign-ins grouped by actor, IP and user agent (< 60 min apart)', security: scopes('events:read'),
        parameters: [query('actor', 'Actor id'), query('from', 'ISO lower bound'), query('to', 'ISO upper bound'), query('range', 'Preset window'), query('result', 'Result'), ...pageParams],
        responses: { '200': ok('`{groups, nextCursor}`'), ...errors },
      },
    },
    '/v1/tokens': {
      post: { summary: 'Issue a token (value shown once)', security: scopes('admin'), requestBody: jsonBody('CreateToken'), responses: { '201': ok('The token, with its value'), ...errors } },
      get: { summary: "The tenant's tokens (never their values)", security: scopes('admin'), responses: { '200': ok('`{tokens}`'), ...errors } },
    },
    '/v1/tokens/{id}': {
      delete: { summary: 'Revoke a token (effective within 60 s)', security: scopes('admin'), parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': ok('The revoked token'), ...errors } },
    },
    '/v1/exports': {
      post: {
        summary: 'Queue a CSV export of the events the filters select; the requester is mailed a download link (or the failure)',
        description: "Runs as a Step Functions execution. The CSV (RFC 4180, UTF-8 with BOM, oldest first) has the columns id, occurredAt, receivedAt, actorType, actorId, actorName, actorEmail, action, category, resourceType, resourceId, resourceName, project, result, severity, ip, userAgent, browser, os, device, message, changedFields, changes, metadata (JSON in the last two); cells a spreadsheet would execute are prefixed with `'`.",
        security: scopes('exports:write'),
        requestBody: jsonBody('CreateExport'),
        responses: {
          '202': {
            description: 'Queued (`status: queued`); poll GET /v1/exports/{id}',
            headers: { location: { description: '/v1/exports/{id}', schema: { type: 'string' } } },
            content: { 'application/json': { schema: ref('ExportView') } },
          },
          ...errors,
          '503': { description: 'The export could not be started; retry', content: { 'application/json': { schema: ref('Error') } } },
        },
      },
      get: {
        summary: "The tenant's exports, newest first", security: scopes('exports:write'),
        parameters: [
          query('limit', 'Page size 1..100', { schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } }),
          query('cursor', 'Opaque cursor from the previous page'),
        ],
        responses: { '200': ok('`{exports, nextCursor}`', 'ExportList'), ...errors },
      },
    },
    '/v1/exports/{id}': {
      get: {
        summary: 'Status and progress of one export; a fresh download link once succeeded', security: scopes('exports:write'),
        parameters: [idParam], responses: { '200': ok('The export', 'ExportView'), ...errors },
      },
    },
    '/v1/settings': {
      get: { summary: 'Retention and recording switches', security: scopes('admin'), responses: { '200': ok('Settings'), ...errors } },
      put: { summary: 'Change retention (≤ MaxRetentionDays) and/or recording switches', security: scopes('admin'), requestBody: jsonBody('PutSettings'), responses: { '200': ok('Settings'), ...errors } },
    },
  },
};
