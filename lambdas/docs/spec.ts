/**
 * The OpenAPI 3.1 document, generated from the same valibot schemas that validate
 * requests (bodies and query strings), so the published contract cannot drift from
 * the code. What a JSON Schema cannot say about a custom check (size and depth limits,
 * timestamp rules) is added here as `description`s built from the same constants.
 * `npm run docs` writes this document to docs/openapi.json and renders docs/API.md from it.
 */
import { toJsonSchema } from '@valibot/to-json-schema';
import type { GenericSchema } from 'valibot';
import {
  accessLogsQuerySchema, createTokenSchema, createViewerSessionSchema, eventFilterSchema, eventInputSchema, listEventsQuerySchema, listExportsQuerySchema,
  putSettingsSchema, RESULTS, SCOPES, SEVERITIES,
} from '../core/schemas.js';
import { createExportSchema, EXPORT_FORMATS, EXPORT_STATUSES } from '../core/exports.js';
import { LIMITS } from '../core/limits.js';

type JsonSchema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const schema = (s: GenericSchema): JsonSchema => {
  const { $schema: _ignored, ...rest } = toJsonSchema(s, { errorMode: 'ignore' }) as JsonSchema;
  return rest;
};
/** Merges `extra` into the property at the dotted `path` of an object schema (custom checks have no JSON Schema form). */
const annotate = (target: JsonSchema, path: string, extra: JsonSchema): void => {
  const node = path.split('.').reduce<JsonSchema>((s, key) => s.properties[key], target);
  Object.assign(node, extra);
};
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonBody = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const ok = (description: string, name: string) => ({ description, content: { 'application/json': { schema: ref(name) } } });
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ref('Error') } } });
const n = (x: number) => x.toLocaleString('en-US');
/** The error responses a route can give: every route 401, 403, 500 and 503; 400 with input, 413 with a body, 404 with an id. */
const errorsFor = ({ input = false, body = false, id = false }) => ({
  ...(input || body ? { '400': errorResponse('Validation error; `details` names every problem') } : {}),
  '401': errorResponse('Missing, invalid, expired or revoked token'),
  '403': errorResponse('The token lacks the scope'),
  ...(id ? { '404': errorResponse('Not found in this tenant') } : {}),
  ...(body ? { '413': errorResponse(`Request body over ${n(LIMITS.maxBodyBytes)} bytes`) } : {}),
  '500': errorResponse('Internal error (no internals disclosed)'),
  '503': errorResponse('A dependency is busy (throttled) after retries; retry the request (writes are idempotent)'),
});
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, description, schema: { type: 'string' } });
const nullable = (type: string, extra: JsonSchema = {}) => ({ type: [type, 'null'], ...extra });
const dateTime = (description: string) => ({ type: 'string', format: 'date-time', description });

/** What the API accepts as a timestamp (core/schemas.ts `isoTimestamp`). */
export const TIMESTAMP_RULES =
  'ISO-8601 date and time with seconds and a `Z` or `±hh:mm` offset (RFC 3339), e.g. `2026-11-22T09:15:00.123Z` or `2026-11-22T10:15:00+01:00`; ' +
  'hours 00-23 (`24:00` is rejected: write `00:00` of the next day), seconds 00-59, a real calendar date, up to 9 fraction digits. ' +
  'Normalised to UTC with milliseconds.';

// ---- Inputs: generated from the validating schemas, then described.

const eventInput = schema(eventInputSchema);
eventInput.description = `One event as a service sends it. Its JSON must serialize to at most ${n(LIMITS.maxEventBytes)} bytes. ` +
  'The derived fields `receivedAt`, `client` and `changes.fields` are rejected as input, like any unknown field.';
const freeObject = (what: string, maxBytes: number) => ({
  type: 'object',
  description: `${what}: any JSON object of at most ${n(maxBytes)} bytes serialized, nesting objects and arrays at most ${LIMITS.maxNestingDepth} levels deep (the object itself is level 1). Kept exactly as sent.`,
});
annotate(eventInput, 'id', { description: 'Your id for the event: re-sending an id already stored is acknowledged (counted in `duplicates`), never stored twice. Absent: a server ULID.' });
annotate(eventInput, 'occurredAt', dateTime(`When it happened. ${TIMESTAMP_RULES} At most ${LIMITS.maxClockSkewMs / 60_000} minutes in the future and not older than the tenant's retention. Default: \`receivedAt\`.`));
annotate(eventInput, 'action', { description: 'What happened: a lowercase dotted identifier such as `project.updated` or `auth.signed_in`.' });
annotate(eventInput, 'category', { description: 'Groups actions (recording can be switched off per category). Default: the part of `action` before the first dot.' });
annotate(eventInput, 'actor', { description: 'Who did it.' });
annotate(eventInput, 'resource', { description: 'What it was done to.' });
annotate(eventInput, 'project', { description: 'The project or workspace the event belongs to.' });
annotate(eventInput, 'ip', { description: 'The IPv4 or IPv6 address of the actor.' });
annotate(eventInput, 'userAgent', { description: "The actor's user agent; the stored event adds `client` (browser, OS, device) parsed from it." });
annotate(eventInput, 'message', { description: 'A sentence for people. Default: derived from actor, action and resource ("Ada updated project Household survey").' });
annotate(eventInput, 'changes', { description: 'Values before and after the change; the stored event adds `fields`, the top-level keys whose values differ.' });
annotate(eventInput, 'changes.before', freeObject('The values before', LIMITS.maxChangesBytes));
annotate(eventInput, 'changes.after', freeObject('The values after', LIMITS.maxChangesBytes));
annotate(eventInput, 'metadata', freeObject('Anything else worth keeping', LIMITS.maxMetadataBytes));

/** Meaning of every filter (GET /v1/events, access logs, exports). */
const FILTER_DOCS: Record<string, JsonSchema> = {
  from: dateTime('Events that occurred at or after this instant (timestamp rules: see `occurredAt`). Not with `range`; not after `to`.'),
  to: dateTime('Events that occurred at or before this instant.'),
  range: { description: 'A window ending now, instead of `from`/`to`.' },
  action: { description: 'An action, or a prefix such as `project.*`; repeat the parameter for several (any of them matches).' },
  category: { description: 'Exact category.' },
  actor: { description: 'Actor id (indexed).' },
  actorEmail: { description: 'Actor email, case-insensitive.' },
  resourceType: { description: 'Resource type.' },
  resourceId: { description: 'Resource id (indexed).' },
  project: { description: 'Project (indexed).' },
  result: { description: 'Result.' },
  severity: { description: 'Severity.' },
  q: { description: 'Case-insensitive substring of the actor name or email, the action, the resource name or the message.' },
  limit: { description: 'Page size.' },
  cursor: { description: '`nextCursor` of the previous page; opaque, tamper-proof, valid only for the same tenant and filters.' },
};

const eventFilter = schema(eventFilterSchema);
for (const name of Object.keys(eventFilter.properties)) annotate(eventFilter, name, FILTER_DOCS[name] ?? {});

/** Query parameters from a query-string schema: every key it accepts, with its rules and meaning. */
const queryParams = (s: GenericSchema, repeatable: readonly string[] = []) =>
  Object.entries(schema(s).properties as Record<string, JsonSchema>).map(([name, property]) => {
    // A page size arrives as text (digits only) and is validated as an integer: document the integer.
    const { anyOf: _text, ...rules } = property;
    return {
      name, in: 'query', required: false,
      ...(repeatable.includes(name) ? { explode: true } : {}),
      schema: { ...rules, ...FILTER_DOCS[name] },
    };
  });

const createToken = schema(createTokenSchema);
annotate(createToken, 'name', { description: 'What the token is for, e.g. "billing service".' });
annotate(createToken, 'scopes', { description: '`admin` implies every other scope.' });
annotate(createToken, 'expiresAt', dateTime('When the token stops working; must be in the future. Absent: it never expires.'));

const putSettings = schema(putSettingsSchema);
annotate(putSettings, 'retentionDays', { description: "Days events are kept for this tenant; at most the stack's `MaxRetentionDays`." });
annotate(putSettings, 'recording', {
  type: 'object',
  additionalProperties: { type: 'boolean' },
  description: 'Category (lowercase, at most 64 characters) → whether its events are recorded. Replaces the whole map; categories not listed are recorded.',
});

/** POST /v1/exports body. Generated, except that `filters.action` also takes a single action (as the query string does). */
const createExportBody = (() => {
  const body = schema(createExportSchema);
  const filters = body.properties.filters;
  for (const name of Object.keys(filters.properties)) annotate(filters, name, FILTER_DOCS[name] ?? {});
  const action = filters.properties.action;
  filters.properties.action = { oneOf: [action.items, { type: 'array', items: action.items, maxItems: action.maxItems }], description: 'One action or a list; `project.*` matches a prefix.' };
  filters.description = 'The filters of GET /v1/events (no `limit`, `cursor`).';
  annotate(body, 'email', { description: 'Where the download link (or the failure) is mailed.' });
  return body;
})();

// ---- Outputs: shapes of what the handlers return.

const actor = { ...eventInput.properties.actor, description: 'Who did it.' };
const resource = { ...eventInput.properties.resource, description: 'What it was done to.' };
const client = {
  type: 'object', additionalProperties: false, required: ['device'],
  description: 'Derived from `userAgent`.',
  properties: { browser: { type: 'string', description: 'e.g. `Firefox 132`' }, os: { type: 'string', description: 'e.g. `Ubuntu`' }, device: { type: 'string', description: '`desktop`, `mobile`, `tablet`, ...' } },
};

/** An event as stored and returned (core/event.ts `AuditEvent`). */
const eventSchema = {
  type: 'object', additionalProperties: false,
  description: 'An event as stored and returned. Optional fields that were not sent are absent.',
  required: ['id', 'occurredAt', 'receivedAt', 'action', 'category', 'actor', 'result', 'severity', 'message'],
  properties: {
    id: { type: 'string', description: 'As sent, or a server ULID.' },
    occurredAt: dateTime('When it happened (UTC, milliseconds).'),
    receivedAt: dateTime('When the API received it.'),
    action: { type: 'string' },
    category: { type: 'string' },
    actor,
    resource,
    project: { type: 'string' },
    ip: { type: 'string' },
    userAgent: { type: 'string' },
    client,
    result: { enum: RESULTS },
    severity: { enum: SEVERITIES },
    message: { type: 'string', description: 'As sent, or derived.' },
    changes: {
      type: 'object', additionalProperties: false, required: ['fields'],
      properties: {
        before: { type: 'object' },
        after: { type: 'object' },
        fields: { type: 'array', items: { type: 'string' }, description: 'Top-level keys whose values differ between before and after (compared by value), sorted.' },
      },
    },
    metadata: { type: 'object' },
  },
};

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

/** A token as listed (adapters/token-store.ts `TokenInfo`): never its value. */
const tokenSchema = {
  type: 'object', additionalProperties: false, required: ['id', 'tenant', 'name', 'scopes', 'createdAt'],
  properties: {
    id: { type: 'string', description: 'Also the middle part of the token value (`alog_<id>_<secret>`).' },
    tenant: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { enum: SCOPES } },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time', description: 'Absent: never expires.' },
    revokedAt: { type: 'string', format: 'date-time', description: 'Present once revoked.' },
    restrict: {
      type: 'object', additionalProperties: false, description: 'Fixed filters ANDed into every read made with the token (events, event by id, access logs, exports, live stream).',
      properties: { project: { type: 'string' }, actor: { type: 'string' }, resourceType: { type: 'string' }, category: { type: 'string' } },
    },
    viewer: {
      type: 'object', additionalProperties: false, required: ['id'], description: "A viewer session's token: the host application's user it was issued to.",
      properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' } },
    },
  },
};

const createViewerSession = schema(createViewerSessionSchema);
annotate(createViewerSession, 'viewer', { description: "The host application's user the session is for; recorded on the token and in the audit event." });
annotate(createViewerSession, 'scopes', { description: 'Must include `events:read` (or `admin`). `exports:write` lets the viewer export; `admin` shows the admin screens.' });
annotate(createViewerSession, 'restrict', { description: 'Fixed filters of every read the session makes, e.g. `{"project": "p_7"}`; narrowed by the caller\'s own restriction, never widened.' });
annotate(createViewerSession, 'ttlSeconds', { description: 'Lifetime of the session token, 60..43200 seconds (12 hours); default 3600.' });

const viewerFile = { description: 'The file, with the viewer\'s security headers (CSP, frame-ancestors from the ViewerFrameAncestors stack parameter, Referrer-Policy: no-referrer); gzip when accepted; ETag.' };

const nextCursor = nullable('string', { description: 'Pass as `cursor` for the next page; null on the last page.' });
const page = (field: string, items: JsonSchema, description: string) => ({
  type: 'object', additionalProperties: false, required: [field, 'nextCursor'], description,
  properties: { [field]: { type: 'array', items }, nextCursor },
});

/** The document served at GET /v1/openapi.json. */
export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Serverless audit log', version: '1.0.0', description: 'Record audit events, then filter, search and read them. Multi-tenant: the tenant comes from the token.' },
  servers: [{ url: '/' }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: `Scopes: ${SCOPES.join(', ')} (admin implies all)` } },
    schemas: {
      EventInput: eventInput,
      Event: eventSchema,
      IngestResult: {
        type: 'object', additionalProperties: false, required: ['accepted', 'skipped', 'duplicates', 'ids'],
        properties: {
          accepted: { type: 'integer', minimum: 0, description: 'Events recorded, re-sends included.' },
          skipped: { type: 'integer', minimum: 0, description: "Events not recorded because the tenant switched their category's recording off." },
          duplicates: { type: 'integer', minimum: 0, description: 'Of the accepted, events whose id was already stored: acknowledged, not written again.' },
          ids: { type: 'array', items: { type: 'string' }, description: 'The id of every event sent, in order (server ULIDs for events sent without one).' },
        },
      },
      EventPage: page('events', ref('Event'), 'A page of events, newest first. A page may hold fewer than `limit` events (even none) and still have a `nextCursor`: a listing reads a bounded number of items per request.'),
      EventFilter: eventFilter,
      AccessLogGroup: {
        type: 'object', additionalProperties: false, required: ['actor', 'firstAt', 'lastAt', 'count', 'result'],
        description: 'Sign-ins (category `auth`) of one actor from one IP and user agent with one result, less than 60 minutes apart.',
        properties: {
          actor, ip: { type: 'string' }, userAgent: { type: 'string' }, client,
          firstAt: dateTime('The first sign-in of the group.'), lastAt: dateTime('The last sign-in of the group.'),
          count: { type: 'integer', minimum: 1 }, result: { enum: RESULTS },
        },
      },
      AccessLogPage: page('groups', ref('AccessLogGroup'), 'A page of sign-in groups, newest first.'),
      CreateToken: createToken,
      CreateViewerSession: createViewerSession,
      ViewerSession: {
        type: 'object', additionalProperties: false, required: ['token', 'url', 'expiresAt', 'tokenId', 'scopes', 'viewer'],
        properties: {
          token: { type: 'string', description: 'The session token (shown once). Prefer handing out `url`.' },
          url: { type: 'string', description: 'The web viewer signed in with the token: `<api>/viewer#token=…` (a fragment: never sent to a server).' },
          expiresAt: dateTime('When the session token stops working.'),
          tokenId: { type: 'string', description: 'Revoke the session early with DELETE /v1/tokens/{tokenId}.' },
          scopes: tokenSchema.properties.scopes,
          restrict: tokenSchema.properties.restrict,
          viewer: tokenSchema.properties.viewer,
        },
      },
      Session: {
        type: 'object', additionalProperties: false, required: ['tokenId', 'name', 'scopes', 'createdAt'],
        properties: {
          tokenId: { type: 'string' }, name: { type: 'string' }, scopes: tokenSchema.properties.scopes, createdAt: dateTime('When the token was issued.'),
          expiresAt: dateTime('Absent: the token never expires.'), restrict: tokenSchema.properties.restrict, viewer: tokenSchema.properties.viewer,
        },
      },
      Token: tokenSchema,
      NewToken: {
        ...tokenSchema,
        required: [...tokenSchema.required, 'token'],
        properties: { ...tokenSchema.properties, token: { type: 'string', description: 'The token value, `alog_<id>_<secret>`: shown this once, stored only as a hash.' } },
      },
      TokenList: { type: 'object', additionalProperties: false, required: ['tokens'], properties: { tokens: { type: 'array', items: ref('Token'), description: 'Newest first, up to 1,000.' } } },
      PutSettings: putSettings,
      Settings: {
        type: 'object', additionalProperties: false, required: ['retentionDays', 'recording', 'defaultRetentionDays', 'maxRetentionDays'],
        properties: {
          retentionDays: { type: 'integer', minimum: 1, description: "The tenant's retention: its override, else the stack's default." },
          recording: { type: 'object', additionalProperties: { type: 'boolean' }, description: 'Category → recorded or not; categories not listed are recorded.' },
          defaultRetentionDays: { type: 'integer', description: "The stack's `RetentionDays`." },
          maxRetentionDays: { type: 'integer', description: "The stack's `MaxRetentionDays`, the highest `retentionDays` allowed." },
        },
      },
      CreateExport: createExportBody,
      ExportView: exportViewSchema,
      ExportList: {
        type: 'object', additionalProperties: false, required: ['exports', 'nextCursor'],
        properties: { exports: { type: 'array', items: ref('ExportView') }, nextCursor: nullable('string', { description: 'Opaque cursor of the next page, or null' }) },
      },
      Error: {
        type: 'object', required: ['error'],
        properties: {
          error: {
            type: 'object', required: ['code', 'message'],
            properties: {
              code: { type: 'string', description: 'Stable snake_case code, e.g. `validation_error`.' },
              message: { type: 'string', description: 'A sentence for people.' },
              details: {
                type: 'array', description: 'With 400: every problem found.',
                items: { type: 'object', properties: { path: { type: 'string', description: 'The field, e.g. `events[3].actor.id`, or `(body)`.' }, message: { type: 'string' } } },
              },
            },
          },
        },
      },
    },
  },
  paths: {
    '/v1/events': {
      post: {
        summary: `Record one event or a batch of up to ${LIMITS.batchSize}`,
        description: `The body is one event, or \`{"events": [...]}\` with 1 to ${LIMITS.batchSize} events. Validation is all-or-nothing: ` +
          'one bad event rejects the whole batch, with every problem of every event listed, and nothing is stored. ' +
          'Idempotent by event id: re-sending an id already stored never creates a duplicate, so a failed request can be retried as is. ' +
          'Events whose category the tenant switched off are counted in `skipped`, not stored.',
        security: [{ bearer: ['events:write'] }],
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { oneOf: [ref('EventInput'), { type: 'object', required: ['events'], additionalProperties: false, properties: { events: { type: 'array', minItems: 1, maxItems: LIMITS.batchSize, items: ref('EventInput') } } }] } } },
        },
        responses: { '201': ok('Recorded', 'IngestResult'), ...errorsFor({ body: true }) },
      },
      get: {
        summary: 'List events, newest first',
        description: 'All filters are optional and combine with AND. Events past the tenant\'s retention are never returned.',
        security: [{ bearer: ['events:read'] }],
        parameters: queryParams(listEventsQuerySchema, ['action']),
        responses: { '200': ok('A page of events', 'EventPage'), ...errorsFor({ input: true }) },
      },
    },
    '/v1/events/{id}': {
      get: {
        summary: 'One whole event',
        description: "404 when the id is absent, past the tenant's retention, or another tenant's.",
        security: [{ bearer: ['events:read'] }],
        parameters: [idParam("The event's id")],
        responses: { '200': ok('The event', 'Event'), ...errorsFor({ id: true }) },
      },
    },
    '/v1/access-logs': {
      get: {
        summary: 'Sign-ins, grouped',
        description: 'Events of category `auth`, newest first. Sign-ins of the same actor from the same IP and user agent, with the same result, less than 60 minutes apart form one group.',
        security: [{ bearer: ['events:read'] }],
        parameters: queryParams(accessLogsQuerySchema),
        responses: { '200': ok('A page of groups', 'AccessLogPage'), ...errorsFor({ input: true }) },
      },
    },
    '/v1/tokens': {
      post: {
        summary: 'Issue a token (its value is shown once)',
        description: 'The token belongs to the caller\'s tenant. Only a hash of its secret is stored. Audited as `audit_token.created` in the tenant\'s log.',
        security: [{ bearer: ['admin'] }],
        requestBody: jsonBody('CreateToken'),
        responses: { '201': ok('The token, with its value', 'NewToken'), ...errorsFor({ body: true }) },
      },
      get: { summary: "The tenant's tokens (never their values)", security: [{ bearer: ['admin'] }], responses: { '200': ok('The tokens', 'TokenList'), ...errorsFor({}) } },
    },
    '/v1/tokens/{id}': {
      delete: {
        summary: 'Revoke a token',
        description: 'The token stops working within 60 seconds. Revoking a revoked token changes nothing and answers the same. Audited as `audit_token.revoked`.',
        security: [{ bearer: ['admin'] }],
        parameters: [idParam("The token's id (not its value)")],
        responses: { '200': ok('The revoked token', 'Token'), ...errorsFor({ id: true }) },
      },
    },
    '/v1/session': {
      get: {
        summary: "The caller's own token: name, scopes, fixed filters, expiry",
        description: 'Any valid token may ask. A token revoked or expired since the authorizer\'s cached answer gets 401 at once. The web viewer uses it to choose its screens.',
        security: [{ bearer: [] }],
        responses: { '200': ok("The caller's token", 'Session'), ...errorsFor({}) },
      },
    },
    '/v1/viewer-sessions': {
      post: {
        summary: 'A short-lived (optionally restricted) token and the web viewer signed in with it',
        description: "The host application's backend calls it and hands `url` to its user. The token is listed by GET /v1/tokens and revocable like any. Audited as `audit_viewer.session_created`.",
        security: [{ bearer: ['admin'] }],
        requestBody: jsonBody('CreateViewerSession'),
        responses: { '201': ok('The session', 'ViewerSession'), ...errorsFor({ body: true }) },
      },
    },
    '/viewer': {
      get: {
        summary: 'The web viewer (public page; sign in with a viewer-session link or paste a token)',
        security: [],
        responses: { '200': { ...viewerFile, content: { 'text/html': { schema: { type: 'string' } } } } },
      },
    },
    '/viewer/{file+}': {
      get: {
        summary: "The web viewer's script and stylesheet (public)",
        security: [],
        parameters: [{ name: 'file+', in: 'path', required: true, description: 'e.g. `audit-log-viewer.js`, `page.css`', schema: { type: 'string' } }],
        responses: { '200': { ...viewerFile, content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } }, '404': errorResponse('No such file') },
      },
    },
    '/v1/stream-tickets': {
      post: {
        summary: 'A single-use ticket URL for the live stream (WebSocket), valid 60 seconds',
        description: 'Connect to `url` within 60 s; the ticket opens one connection and is bound to the token\'s tenant, scopes and restriction. Then send `{"action": "subscribe", "id": "s1", "filters": {<GET /v1/events filters but from, to, range, limit, cursor>}}`; every stored event that matches arrives as `{"type": "event", "subscription": "s1", "event": {...}}` (or `event_ref` when over 128 KB). Also `unsubscribe` and `ping`. A bad message gets `{"type": "error", "error": {...}}`. A missing, used, expired or forged ticket is refused before the upgrade (401). The body may be empty or `{}`.',
        security: [{ bearer: ['events:read'] }],
        responses: {
          '201': {
            description: 'The ticket URL',
            content: { 'application/json': { schema: { type: 'object', additionalProperties: false, required: ['url', 'expiresAt'], properties: { url: { type: 'string', description: '`wss://…?ticket=…`' }, expiresAt: { type: 'string', format: 'date-time' } } } } },
          },
          ...errorsFor({}),
        },
      },
    },
    '/v1/exports': {
      post: {
        summary: 'Queue a CSV export of the events the filters select; the requester is mailed a download link (or the failure)',
        description: "Runs as a Step Functions execution. The CSV (RFC 4180, UTF-8 with BOM, oldest first) has the columns id, occurredAt, receivedAt, actorType, actorId, actorName, actorEmail, action, category, resourceType, resourceId, resourceName, project, result, severity, ip, userAgent, browser, os, device, message, changedFields, changes, metadata (JSON in the last two); cells a spreadsheet would execute are prefixed with `'`.",
        security: [{ bearer: ['exports:write'] }],
        requestBody: jsonBody('CreateExport'),
        responses: {
          '202': {
            description: 'Queued (`status: queued`); poll GET /v1/exports/{id}',
            headers: { location: { description: '/v1/exports/{id}', schema: { type: 'string' } } },
            content: { 'application/json': { schema: ref('ExportView') } },
          },
          ...errorsFor({ body: true }),
          '503': errorResponse('The export could not be started; retry'),
        },
      },
      get: {
        summary: "The tenant's exports, newest first",
        security: [{ bearer: ['exports:write'] }],
        parameters: queryParams(listExportsQuerySchema),
        responses: { '200': ok('A page of exports', 'ExportList'), ...errorsFor({ input: true }) },
      },
    },
    '/v1/exports/{id}': {
      get: {
        summary: 'Status and progress of one export; a fresh download link once succeeded',
        security: [{ bearer: ['exports:write'] }],
        parameters: [idParam("The export's id")],
        responses: { '200': ok('The export', 'ExportView'), ...errorsFor({ id: true }) },
      },
    },
    '/v1/settings': {
      get: { summary: 'Retention and recording switches', security: [{ bearer: ['admin'] }], responses: { '200': ok('The settings', 'Settings'), ...errorsFor({}) } },
      put: {
        summary: 'Change retention and/or recording switches',
        description: 'Fields not given keep their value. A lower retention hides the older events from every read. Audited as `audit_settings.updated`, with before and after.',
        security: [{ bearer: ['admin'] }],
        requestBody: jsonBody('PutSettings'),
        responses: { '200': ok('The settings now', 'Settings'), ...errorsFor({ body: true }) },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This OpenAPI document (also in the repository as docs/openapi.json)', security: [], responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } } },
    },
  },
};
