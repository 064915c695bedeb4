/**
 * `npm run docs`: writes the public API reference into the repository, from the same
 * source as the API itself.
 *
 *   docs/openapi.json  the OpenAPI document `GET /v1/openapi.json` serves (lambdas/docs/spec.ts,
 *                      generated from the valibot schemas that validate requests)
 *   docs/API.md        a readable reference: the prose below (conventions, auth, errors) around
 *                      tables rendered from that document and from lambdas/core/limits.ts
 *
 *   npm run docs               # (re)write both files
 *   npm run docs -- --check    # exit 1 if they differ from what would be written
 *
 * test/unit/docs.test.ts fails when the committed files differ from the output, so a change
 * to a schema, a limit or a route needs `npm run docs` in the same commit.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../lambdas/core/limits.js';
import { SCOPES } from '../lambdas/core/schemas.js';
import { openApiDocument, TIMESTAMP_RULES } from '../lambdas/docs/spec.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const doc = openApiDocument as unknown as Json;
const schemas = doc.components.schemas as Record<string, Json>;
const METHODS = new Set(['get', 'post', 'put', 'delete', 'patch']);

// ---- Markdown helpers

const n = (x: number) => x.toLocaleString('en-US');
/** A table cell: one line, pipes escaped (also inside code spans, as GitHub requires). */
const cell = (s: string) => s.replace(/\n/g, ' ').replace(/\|/g, '\\|');
const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-');
const code = (s: unknown) => `\`${String(s)}\``;
const schemaLink = (refPath: string) => {
  const name = refPath.replace('#/components/schemas/', '');
  return `[${name}](#${slug(name)})`;
};

// ---- JSON Schema → words

/** The type of a schema in words: `string (date-time)`, `one of "a", "b"`, `array of Event`. */
function typeOf(s: Json | undefined): string {
  if (!s || Object.keys(s).length === 0) return 'any';
  if (s.$ref) return schemaLink(s.$ref);
  if (s.enum) return `one of ${s.enum.map((v: unknown) => code(v)).join(', ')}`;
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives) return alternatives.map(typeOf).join(', or ');
  const types: string[] = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return types.map((t) => {
    if (t === 'array') return `array of ${typeOf(s.items)}`;
    if (t === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && s.additionalProperties.type) {
      return `object of ${s.additionalProperties.type}s`;
    }
    return s.format && t === 'string' ? `string (${s.format})` : t;
  }).join(' or ');
}

/** The rules of a schema in words: lengths, bounds, pattern, default. */
function rulesOf(s: Json): string {
  const out: string[] = [];
  const range = (min: number | undefined, max: number | undefined, unit: string) => {
    if (min !== undefined && max !== undefined) out.push(`${n(min)}-${n(max)} ${unit}`);
    else if (max !== undefined) out.push(`at most ${n(max)} ${unit}`);
    else if (min !== undefined) out.push(`at least ${n(min)} ${unit}`);
  };
  range(s.minLength, s.maxLength, 'characters');
  range(s.minItems, s.maxItems, 'items');
  range(s.minimum, s.maximum, '');
  if (s.pattern) out.push(`pattern ${code(s.pattern)}`);
  if (s.items?.pattern) out.push(`each: pattern ${code(s.items.pattern)}`);
  if (s.default !== undefined && !(typeof s.default === 'object' && Object.keys(s.default).length === 0)) out.push(`default ${code(JSON.stringify(s.default))}`);
  return out.map((r) => r.trim()).join('; ');
}

/** Rows `field | type | required | rules | description` for an object schema, nested objects flattened (`actor.id`). */
function fieldRows(s: Json, prefix = ''): string[][] {
  const required = new Set<string>(s.required ?? []);
  return Object.entries((s.properties ?? {}) as Record<string, Json>).flatMap(([name, p]) => {
    const path = `${prefix}${name}`;
    const row = [code(path), typeOf(p), required.has(name) ? 'yes' : '', rulesOf(p), p.description ?? ''];
    const nested = p.type === 'object' && p.properties ? fieldRows(p, `${path}.`) : [];
    return [row, ...nested];
  });
}

const fieldTable = (s: Json) => table(['Field', 'Type', 'Required', 'Rules', 'Description'], fieldRows(s));

// ---- The routes

interface Operation { readonly method: string; readonly path: string; readonly op: Json }
const operations: Operation[] = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, ops]) =>
  Object.keys(ops).filter((m) => METHODS.has(m)).map((method) => ({ method: method.toUpperCase(), path, op: ops[method] })));

const scopeOf = (op: Json): string | undefined => op.security?.[0]?.bearer?.[0];
const routeTitle = ({ method, path }: Operation) => `${method} ${path}`;

function bodyOf(op: Json): string {
  const s = op.requestBody?.content?.['application/json']?.schema as Json | undefined;
  if (!s) return '';
  if (s.$ref) return `**Body**: ${schemaLink(s.$ref)}.`;
  const alternatives = (s.oneOf as Json[]).map((a) => a.$ref
    ? schemaLink(a.$ref)
    : `${code('{"events": [...]}')} with ${typeOf(a.properties.events)} (${rulesOf(a.properties.events)})`);
  return `**Body**: ${alternatives.join(', or ')}.`;
}

function parametersOf(op: Json): string {
  const params = (op.parameters ?? []) as Json[];
  if (!params.length) return '';
  const rows = params.map((p) => {
    const { description, ...rules } = p.schema ?? {};
    const repeat = p.explode ? ' (repeatable)' : '';
    return [code(p.name), `${p.in}${repeat}`, typeOf(rules), rulesOf(rules), description ?? p.description ?? ''];
  });
  return `**Parameters**\n\n${table(['Name', 'In', 'Type', 'Rules', 'Description'], rows)}`;
}

/** Errors whose meaning on this route is the general one of the Errors section. */
const GENERIC_ERRORS = new Set(['400', '401', '403', '404', '413', '500']);

function responsesOf(op: Json): string {
  const responses = Object.entries(op.responses as Record<string, Json>).sort(([a], [b]) => a.localeCompare(b));
  const generic = (status: string, r: Json) => GENERIC_ERRORS.has(status) || (status === '503' && r.description.startsWith('A dependency is busy'));
  const rows = responses
    .filter(([status, r]) => !generic(status, r))
    .map(([status, r]) => {
      const s = r.content?.['application/json']?.schema as Json | undefined;
      const body = s?.$ref ? schemaLink(s.$ref) : s ? typeOf(s) : '';
      const headers = r.headers ? ` Header: ${Object.keys(r.headers).map(code).join(', ')}.` : '';
      return [status, body, `${r.description}.${headers}`.replace(/\.\./g, '.')];
    });
  const errors = responses.filter(([status, r]) => generic(status, r)).map(([status]) => status);
  const errorLine = errors.length ? `\n\nErrors: ${errors.join(', ')} ([Errors](#errors)).` : '';
  return `**Responses**\n\n${table(['Status', 'Body', 'Meaning'], rows)}${errorLine}`;
}

function routeSection(o: Operation): string {
  const scope = scopeOf(o.op);
  return [
    `### ${routeTitle(o)}`,
    `${o.op.summary}. ${scope ? `Scope: ${code(scope)}${scope === 'admin' ? '' : ' (or `admin`)'}.` : 'Public: no token needed.'}`,
    o.op.description ?? '',
    parametersOf(o.op),
    bodyOf(o.op),
    responsesOf(o.op),
  ].filter(Boolean).join('\n\n');
}

// ---- The reference

/** Page-size bounds of a listing route, from its `limit` parameter. */
const pageLimit = (path: string) => {
  const limit = (doc.paths[path].get.parameters as Json[]).find((p) => p.name === 'limit')!.schema;
  return `${limit.minimum}-${n(limit.maximum)}, default ${limit.default}`;
};

/** docs/API.md */
export function renderApiReference(): string {
  const scopeRows = SCOPES.map((scope) => {
    const routes = operations.filter((o) => scopeOf(o.op) === scope).map((o) => code(routeTitle(o)));
    return [code(scope), scope === 'admin' ? `Every route; these only with admin: ${routes.join(', ')}` : routes.join(', ')];
  });
  const actionFilters = schemas.EventFilter.properties.action.maxItems as number;

  return `# Audit log HTTP API, v1

<!-- Generated by \`npm run docs\` (scripts/docs.ts) from lambdas/docs/spec.ts and lambdas/core/limits.ts. Do not edit: edit those, then run \`npm run docs\`; test/unit/docs.test.ts fails while this file is stale. -->

The public HTTP API of the audit log: services record audit events with it, people and tools read them.
The machine-readable version is [openapi.json](openapi.json), the same OpenAPI 3.1 document the API serves at
\`GET /v1/openapi.json\`; both are generated from the schemas that validate requests.

- [Conventions](#conventions)
- [Authentication and scopes](#authentication-and-scopes)
- [Errors](#errors)
- [Limits](#limits)
- [Routes](#routes): ${operations.map((o) => `[${routeTitle(o)}](#${slug(routeTitle(o))})`).join(', ')}
- [Objects](#objects): ${Object.keys(schemas).map((name) => schemaLink(`#/components/schemas/${name}`)).join(', ')}

## Conventions

- **Base URL**: the stack output \`ApiUrl\`; locally \`http://127.0.0.1:4000\` (\`npm start\`). Every route is under \`/v1\`.
- **JSON** in and out, UTF-8. A request body needs \`content-type: application/json\` (or none); another type is
  a 400 \`unsupported_media_type\`.
- **Timestamps** in responses are ISO-8601 UTC with milliseconds: \`2026-11-22T09:15:00.123Z\`. Timestamps in requests
  (\`occurredAt\`, \`from\`, \`to\`, \`expiresAt\`): ${TIMESTAMP_RULES}
- **Unknown fields are rejected** with a 400 naming them, in bodies and in the query strings of the routes that take
  parameters, whatever their name (\`__proto__\`, \`constructor\` and \`prototype\` included); nothing is silently dropped.
- **Query parameters**: only \`action\` may be repeated; any other parameter given twice is a 400 naming it.
  Numbers are decimal digits only: \`limit=50\`, not \`1e2\`, \`0x10\` or \`+5\`.
- **Pages**: listings are newest first and return \`nextCursor\`; send it back as \`cursor\` with the same filters for the
  next page; it is \`null\` on the last page. A cursor is opaque and signed, bound to the tenant and the filters: an altered,
  foreign or re-filtered one is a 400 \`invalid_cursor\`. A page reads at most ${n(LIMITS.maxItemsScannedPerPage)} items, so with a
  sparse filter it may hold fewer events than \`limit\` (even none) and still have a \`nextCursor\`.
- **Idempotency**: send your own event \`id\`s. Re-sending an event whose id is stored is acknowledged (\`duplicates\`)
  and never stored twice, so any failed or timed-out \`POST /v1/events\` can be retried as is.
- **Tenancy**: a token belongs to one tenant and every request acts in it; the tenant never comes from the request.
  Another tenant's ids answer 404, like absent ones.
- **Retention**: events older than the tenant's retention (\`GET /v1/settings\`) are never returned, even before they are
  physically deleted.

## Authentication and scopes

Every route except \`GET /v1/openapi.json\` needs \`Authorization: Bearer <token>\`. A token reads \`alog_<id>_<secret>\`;
it is shown once when issued (\`POST /v1/tokens\`, or \`npm run admin -- token create\` for the first one) and stored only
as a hash. It carries scopes:

${table(['Scope', 'Routes'], scopeRows)}

- No \`Authorization\` header: API Gateway itself answers 401 \`{"message":"Unauthorized"}\`.
- An unknown, malformed, expired or revoked token: 401 \`unauthorized\`. A revoked or expired token stops working within 60 seconds.
- A valid token without the route's scope: 403 \`forbidden\`.

## Errors

Every error the API itself answers has this shape; \`details\` comes with 400s and names each problem's field:

\`\`\`json
{"error": {"code": "validation_error", "message": "The batch was rejected; nothing was stored.",
  "details": [{"path": "events[3].actor.id", "message": "is required"},
              {"path": "events[7].occurredAt", "message": "must not be in the future"}]}}
\`\`\`

${table(['Status', 'Code', 'When'], [
    ['400', code('validation_error'), 'A body field, query parameter or path value breaks a rule; `details` lists every problem (a batch: of every event), each with its `path`.'],
    ['400', code('invalid_json'), 'The body is empty or not JSON.'],
    ['400', code('unsupported_media_type'), 'The body is sent with a `content-type` other than JSON.'],
    ['400', code('invalid_cursor'), 'The cursor was altered, or issued for another tenant or other filters.'],
    ['401', code('unauthorized'), 'The token is unknown, malformed, expired or revoked.'],
    ['403', code('forbidden'), 'The token lacks the scope of the route.'],
    ['404', code('not_found'), 'No such event, token or export in this tenant (another tenant\'s ids included).'],
    ['413', code('payload_too_large'), `The body exceeds ${n(LIMITS.maxBodyBytes)} bytes. (Over 10 MB, API Gateway answers 413 \`{"message":"Request Entity Too Large"}\` itself.)`],
    ['429', '', 'API Gateway throttling (stack parameters `ApiThrottleRateLimit`, `ApiThrottleBurstLimit`): `{"message":"Too Many Requests"}`. Retry with backoff.'],
    ['500', code('internal_error'), 'A bug on our side; it is logged, and the response discloses nothing else.'],
    ['503', code('service_unavailable'), 'A dependency stayed busy after retries, or the token could not be checked; with `retry-after`. Retry: nothing was lost, and re-sent events are not duplicated.'],
  ])}

An unknown route is API Gateway's 404 \`{"message":"Not Found"}\`.

## Limits

${table(['What', 'Limit'], [
    ['Events per `POST /v1/events`', n(LIMITS.batchSize)],
    ['Request body', `${n(LIMITS.maxBodyBytes)} bytes (413 beyond)`],
    ['One event (serialized JSON)', `${n(LIMITS.maxEventBytes)} bytes`],
    ['`metadata` (serialized)', `${n(LIMITS.maxMetadataBytes)} bytes`],
    ['`changes.before`, `changes.after` (serialized)', `${n(LIMITS.maxChangesBytes)} bytes each`],
    ['Nesting of `metadata`, `changes.before`, `changes.after`', `${LIMITS.maxNestingDepth} levels of objects and arrays (the object itself is level 1)`],
    ['Nesting of a whole request body', `${LIMITS.maxBodyNesting} levels, checked before the body is parsed`],
    ['`occurredAt`', `at most ${LIMITS.maxClockSkewMs / 60_000} minutes in the future; not older than the tenant's retention`],
    ['Page size of `GET /v1/events`, `GET /v1/access-logs`', pageLimit('/v1/events')],
    ['Page size of `GET /v1/exports`', pageLimit('/v1/exports')],
    ['Items read per page', `${n(LIMITS.maxItemsScannedPerPage)} (a short page then comes with a cursor)`],
    ['`action` filters per query', String(actionFilters)],
    ['Text fields', 'see each field\'s rules under [Objects](#objects)'],
  ])}

## Routes

${operations.map(routeSection).join('\n\n')}

## Objects

${Object.entries(schemas).map(([name, s]) => [
    `### ${name}`,
    s.description ?? '',
    s.properties ? fieldTable(s) : `${typeOf(s)}.`,
    s.additionalProperties && typeof s.additionalProperties === 'object' && 'not' in s.additionalProperties ? 'Other fields are rejected.' : '',
  ].filter(Boolean).join('\n\n')).join('\n\n')}
`;
}

/** docs/openapi.json */
export const renderOpenApi = (): string => `${JSON.stringify(openApiDocument, null, 2)}\n`;

/** Every generated file, by path relative to the repository root. */
export function renderDocs(): Record<string, string> {
  return { 'docs/openapi.json': renderOpenApi(), 'docs/API.md': renderApiReference() };
}

/** Files whose content on disk differs from {@link renderDocs} (missing ones included). */
export function staleDocs(root = ROOT): string[] {
  return Object.entries(renderDocs()).filter(([path, text]) => {
    try {
      return readFileSync(join(root, path), 'utf8') !== text;
    } catch {
      return true;
    }
  }).map(([path]) => path);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const stale = staleDocs();
    if (stale.length) {
      console.error(`Stale: ${stale.join(', ')}. Run npm run docs.`);
      process.exit(1);
    }
    console.log('docs/ is up to date.');
  } else {
    for (const [path, text] of Object.entries(renderDocs())) {
      mkdirSync(dirname(join(ROOT, path)), { recursive: true });
      writeFileSync(join(ROOT, path), text);
      console.log(`wrote ${path}`);
    }
  }
}
