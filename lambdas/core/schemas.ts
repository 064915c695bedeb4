/**
 * Input schemas, validated at the edge (valibot). Types are derived from these
 * schemas (`v.InferOutput`), never written twice. Unknown fields are rejected
 * (strict objects), as the contract requires, including the names valibot
 * would otherwise skip silently (`__proto__`, `constructor`, `prototype`).
 */
import * as v from 'valibot';
import { ValidationError } from './errors.js';
import { nestedDeeperThan } from './json-depth.js';
import { LIMITS } from './limits.js';

// valibot is tree-shaken to the validators used here (~10 KB), which keeps every handler bundle well under 300 KB.

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/**
 * Category names may not be `__proto__`: as an object key it cannot be stored and read back
 * (assigning it sets a prototype), so it could never be switched off in `recording`.
 */
const RESERVED_CATEGORY = '__proto__';
/** Lowercase dotted identifier: `project.updated`, `auth.signed_in`. */
const ACTION = /^(?!__proto__(\.|$))[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const CATEGORY = /^(?!__proto__$)[a-z0-9_-]+$/;
/** Client-supplied event ids (contract: 1-128 chars of [A-Za-z0-9._:-]). */
export const EVENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const str = (message = 'must be a string') => v.string(message);
const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
/** Keys valibot's object and record schemas skip without a word (prototype-pollution guard). */
const SKIPPED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** An issue on `key` of the object `input`, as valibot reports one. */
const keyIssue = (input: Record<string, unknown>, key: string, message: string): v.BaseIssue<unknown> => ({
  kind: 'schema', type: 'never', input: input[key], expected: 'never', received: typeof input[key], message,
  path: [{ type: 'object', origin: 'value', input, key, value: input[key] }],
} as v.BaseIssue<unknown>);

/**
 * `schema` (an object schema whose unknown keys are issues) that also rejects `__proto__`, `constructor`
 * and `prototype` when `known` does not name them: valibot skips those keys without a word.
 */
export const rejectingSkippedKeys = <S extends v.GenericSchema>(schema: S, known: object = {}): S => ({
  ...schema,
  '~run'(dataset: v.UnknownDataset, config: v.Config<v.BaseIssue<unknown>>) {
    const input = dataset.value;
    const out = schema['~run'](dataset, config) as v.OutputDataset<unknown, v.BaseIssue<unknown>>;
    if (!isPlainObject(input)) return out;
    const skipped = SKIPPED_KEYS.filter((key) => Object.hasOwn(input, key) && !Object.hasOwn(known, key));
    if (!skipped.length) return out;
    const issues = [...(out.issues ?? []), ...skipped.map((key) => keyIssue(input, key, 'is not a known field'))];
    return { typed: false, value: out.value, issues } as v.OutputDataset<unknown, v.BaseIssue<unknown>>;
  },
});

/** A JSON object that rejects unknown keys, reporting every one of them (valibot's strictObject stops at the first). */
const strict = <E extends v.ObjectEntries>(entries: E, message = 'must be a JSON object') =>
  rejectingSkippedKeys(v.pipe(v.custom<object>(isPlainObject, message), v.objectWithRest(entries, v.never('is not a known field'), message)), entries) as unknown as v.ObjectSchema<E, undefined>;
const text = (max: number) => v.pipe(str(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`));
const pattern = (max: number, re: RegExp, message: string) => v.pipe(str(), v.maxLength(max, `must be at most ${max} characters`), v.regex(re, message));
const oneOf = <T extends readonly string[]>(values: T) => v.picklist(values, `must be one of ${values.join(', ')}`);
/**
 * A free JSON object (`metadata`, `changes.before/after`), kept exactly as sent (every key, `__proto__`
 * too), within a nesting depth and a serialized size. The depth is checked first, without recursion:
 * the size check serializes the object.
 */
const boundedObject = (max: number, what: string) =>
  v.config(v.pipe(
    v.custom<Record<string, unknown>>(isPlainObject, 'must be a JSON object'),
    v.check((o) => !nestedDeeperThan(o, LIMITS.maxNestingDepth), `must not nest objects and arrays more than ${LIMITS.maxNestingDepth} levels deep`),
    v.check((o) => jsonBytes(o) <= max, `${what} must serialize to at most ${max} bytes`),
  ), { abortPipeEarly: true });

export const ACTOR_TYPES = ['user', 'service', 'system', 'api_token'] as const;
export const RESULTS = ['success', 'failure', 'invalid_input'] as const;
export const SEVERITIES = ['info', 'notice', 'warning', 'critical'] as const;
export const SCOPES = ['events:write', 'events:read', 'exports:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Hours 00-23 (`24:00` is refused: write `00:00` of the next day), minutes and seconds 00-59 (no leap second), offsets up to ±23:59. */
const ISO = /^\d{4}-\d\d-\d\dT([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
/** Rejects dates that `Date.parse` would silently roll over (2026-02-30 → March 2). */
function isCalendarDate(t: string): boolean {
  const [year, month, day] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
/** ISO-8601 timestamp (offset allowed), normalised to UTC milliseconds (`...T09:15:00.123Z`). */
export const isoTimestamp = v.pipe(
  str(),
  v.check((t) => ISO.test(t) && isCalendarDate(t) && !Number.isNaN(Date.parse(t)), 'must be an ISO-8601 timestamp such as 2026-11-22T09:15:00.123Z'),
  v.transform((t) => new Date(t).toISOString()),
);

const email = v.pipe(str(), v.maxLength(320, 'must be at most 320 characters'), v.email('must be an email address'));

export const actorSchema = strict({
  type: oneOf(ACTOR_TYPES),
  id: text(128),
  name: v.optional(text(256)),
  email: v.optional(email),
}, 'must be an object');

export const resourceSchema = strict({
  type: text(64),
  id: text(128),
  name: v.optional(text(256)),
}, 'must be an object');

/** One event as a service sends it. `receivedAt`, `client` and `changes.fields` are derived by the server. */
export const eventInputSchema = v.config(v.pipe(
  strict({
    id: v.optional(v.pipe(str(), v.regex(EVENT_ID, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -'))),
    occurredAt: v.optional(isoTimestamp),
    action: pattern(128, ACTION, 'must be a lowercase dotted identifier such as project.updated'),
    category: v.optional(pattern(64, CATEGORY, 'must be a lowercase identifier such as project')),
    actor: actorSchema,
    resource: v.optional(resourceSchema),
    project: v.optional(text(128)),
    ip: v.optional(v.pipe(str(), v.ip('must be an IPv4 or IPv6 address'))),
    userAgent: v.optional(text(512)),
    result: v.optional(oneOf(RESULTS), 'success'),
    severity: v.optional(oneOf(SEVERITIES), 'info'),
    message: v.optional(text(1024)),
    changes: v.optional(
      strict({
        before: v.optional(boundedObject(LIMITS.maxChangesBytes, 'changes.before')),
        after: v.optional(boundedObject(LIMITS.maxChangesBytes, 'changes.after')),
      }, 'must be an object'),
    ),
    metadata: v.optional(boundedObject(LIMITS.maxMetadataBytes, 'metadata')),
  }, 'an event must be a JSON object'),
  v.check((e) => jsonBytes(e) <= LIMITS.maxEventBytes, `an event must serialize to at most ${LIMITS.maxEventBytes} bytes`),
), { abortPipeEarly: true }); // the size is checked once every field is valid (bounded depth: safe to serialize)
export type EventInput = v.InferOutput<typeof eventInputSchema>;

/** POST /v1/events batch envelope: `{ events: [...] }` with 1..100 events. */
export const batchSchema = strict({
  events: v.pipe(
    v.array(v.unknown(), 'must be an array of events'),
    v.minLength(1, 'must hold at least one event'),
    v.maxLength(LIMITS.batchSize, `must hold at most ${LIMITS.batchSize} events`),
  ),
});

const RANGES = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
export type RangePreset = keyof typeof RANGES;
export const rangeMs = (r: RangePreset): number => RANGES[r];

const actionFilter = v.pipe(str(), v.regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/, 'must be an action such as project.updated, or a prefix such as project.*'));

const filterEntries = {
  from: v.optional(isoTimestamp),
  to: v.optional(isoTimestamp),
  range: v.optional(oneOf(Object.keys(RANGES) as RangePreset[])),
  action: v.optional(v.pipe(v.array(actionFilter), v.maxLength(20, 'at most 20 actions'))),
  category: v.optional(pattern(64, CATEGORY, 'must be a lowercase identifier')),
  actor: v.optional(text(128)),
  actorEmail: v.optional(email),
  resourceType: v.optional(text(64)),
  resourceId: v.optional(text(128)),
  project: v.optional(text(128)),
  result: v.optional(oneOf(RESULTS)),
  severity: v.optional(oneOf(SEVERITIES)),
  q: v.optional(v.pipe(str(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'must be at most 256 characters'))),
};

type Window = { range?: string; from?: string; to?: string };
/** Adds the cross-field rules of every filtered query, reported on the field that is wrong. */
const withWindowChecks = <S extends v.GenericSchema<unknown, Window>>(schema: S) => {
  type Out = v.InferOutput<S> & Record<string, unknown>;
  const rule = (ok: (f: Window) => boolean, message: string, field: 'range' | 'from') =>
    v.forward(v.check<Out, string>((f) => ok(f), message), [field] as never) as v.BaseValidation<Out, Out, v.CheckIssue<Out>>;
  return v.pipe(
    schema as unknown as v.GenericSchema<unknown, Out>,
    rule((f) => !(f.range && (f.from || f.to)), 'use either range or from/to, not both', 'range'),
    rule((f) => !(f.from && f.to && f.from > f.to), 'must not be after to', 'from'),
  ) as unknown as v.SchemaWithPipe<readonly [S]>;
};

/** Filters shared by GET /v1/events and exports (no cursor/limit). */
export const eventFilterSchema = withWindowChecks(strict(filterEntries));
export type EventFilter = v.InferOutput<typeof eventFilterSchema>;

/** A live-stream subscription's filters: those of GET /v1/events but the time window (a stream has none). */
const { from: _from, to: _to, range: _range, ...streamFilterEntries } = filterEntries;
export const streamFilterSchema = strict(streamFilterEntries);
export type StreamFilter = v.InferOutput<typeof streamFilterSchema>;

/** A page-size query parameter: a decimal integer in 1..`max` (no `1e2`, `0x10`, `+5`), `fallback` when absent. */
const pageLimit = (max: number, fallback: number) => v.optional(
  v.config(v.pipe(
    v.union([v.pipe(v.string(), v.regex(/^\d{1,9}$/), v.transform(Number)), v.number()], 'must be a whole number written in decimal digits, such as 50'),
    v.integer('must be an integer'),
    v.minValue(1, 'must be at least 1'),
    v.maxValue(max, `must be at most ${max}`),
  ), { abortPipeEarly: true }),
  fallback,
);

const pageEntries = {
  limit: pageLimit(LIMITS.maxPageSize, LIMITS.defaultPageSize),
  cursor: v.optional(v.pipe(str(), v.minLength(1, 'must not be empty'), v.maxLength(8192, 'is too long'))),
};

/** GET /v1/events query string. */
export const listEventsQuerySchema = v.pipe(
  withWindowChecks(strict({ ...filterEntries, ...pageEntries, receivedFrom: v.optional(isoTimestamp) })),
  // Catching up lists by receivedAt, oldest first: a window on occurredAt does not combine with it.
  v.forward(
    v.check((q) => !(q.receivedFrom && (q.range || q.from || q.to)), 'lists events by when they were received: use it without from, to or range'),
    ['receivedFrom'],
  ),
);
export type ListEventsQuery = v.InferOutput<typeof listEventsQuerySchema>;

/** GET /v1/access-logs query string. */
export const accessLogsQuerySchema = withWindowChecks(
  strict({ actor: filterEntries.actor, from: filterEntries.from, to: filterEntries.to, range: filterEntries.range, result: filterEntries.result, ...pageEntries }),
);
export type AccessLogsQuery = v.InferOutput<typeof accessLogsQuerySchema>;

/** GET /v1/exports query string. */
export const listExportsQuerySchema = strict({ limit: pageLimit(100, 20), cursor: pageEntries.cursor });

/**
 * A token's fixed filters (`restrict`): every read made with the token is ANDed with them. The
 * fields mean what the same-named event filters mean (`resourceType` is a resource's type).
 */
export const restrictionSchema = v.pipe(
  strict({ project: filterEntries.project, actor: filterEntries.actor, resourceType: filterEntries.resourceType, category: filterEntries.category }),
  v.check((r) => Object.values(r).some((x) => x !== undefined), 'must name at least one of project, actor, resourceType, category'),
);
export type Restriction = v.InferOutput<typeof restrictionSchema>;

/** POST /v1/tokens body. */
export const createTokenSchema = strict({
  name: text(128),
  restrict: v.optional(restrictionSchema),
  scopes: v.pipe(v.array(oneOf(SCOPES), 'must be an array of scopes'), v.minLength(1, 'must grant at least one scope'), v.maxLength(SCOPES.length, 'has too many scopes')),
  expiresAt: v.optional(v.pipe(isoTimestamp, v.check((t) => Date.parse(t) > Date.now(), 'must be in the future'))),
}, 'must be a JSON object');
export type CreateTokenInput = v.InferOutput<typeof createTokenSchema>;

/** Who a viewer session is for (the host application's user), recorded on its token and in the audit event. */
export const viewerSchema = strict({ id: text(128), name: v.optional(text(256)), email: v.optional(email) });
export type Viewer = v.InferOutput<typeof viewerSchema>;

/** The scopes a viewer session may carry: reading, exporting, and (for an admin's own session) administration. */
export const VIEWER_SESSION_SCOPES = ['events:read', 'exports:write', 'admin'] as const;

/** POST /v1/viewer-sessions body. */
export const createViewerSessionSchema = strict({
  viewer: viewerSchema,
  scopes: v.pipe(
    v.array(oneOf(VIEWER_SESSION_SCOPES), 'must be an array of scopes'),
    v.minLength(1, 'must grant at least one scope'),
    v.maxLength(VIEWER_SESSION_SCOPES.length, 'has too many scopes'),
    v.check((s) => s.includes('events:read') || s.includes('admin'), 'must include events:read: a viewer reads events'),
  ),
  restrict: v.optional(restrictionSchema),
  ttlSeconds: v.optional(v.pipe(v.number('must be a number'), v.integer('must be an integer'), v.minValue(60, 'must be at least 60'), v.maxValue(43_200, 'must be at most 43200 (12 hours)')), 3600),
}, 'must be a JSON object');
export type CreateViewerSessionInput = v.InferOutput<typeof createViewerSessionSchema>;

/** PUT /v1/settings body; omitted fields keep their value. */
export const putSettingsSchema = strict({
  retentionDays: v.optional(v.pipe(v.number('must be a number'), v.integer('must be an integer'), v.minValue(1, 'must be at least 1'))),
  recording: v.optional(
    v.pipe(
      v.custom<Record<string, boolean>>(isPlainObject, 'must be an object of category → true|false'),
      // Checked key by key rather than with v.record, which skips `constructor` and `prototype` (valid category names) silently.
      v.rawCheck(({ dataset, addIssue }) => {
        if (!dataset.typed) return;
        const input = dataset.value;
        for (const [key, value] of Object.entries(input)) {
          const problem = !CATEGORY.test(key) || key.length > 64
            ? (key === RESERVED_CATEGORY ? 'is reserved and cannot name a category' : 'must be a lowercase category')
            : typeof value !== 'boolean' ? 'must be true or false' : undefined;
          if (problem) addIssue({ message: problem, path: [{ type: 'object', origin: 'value', input, key, value }] });
        }
      }),
    ),
  ),
}, 'must be a JSON object');
export type PutSettingsInput = v.InferOutput<typeof putSettingsSchema>;

type Issue = v.BaseIssue<unknown>;

/** Turns validation issues into contract error details (`events[3].actor.id`). */
export function toDetails(issues: readonly Issue[], prefix: (string | number)[] = []): { path: string; message: string }[] {
  return issues.map((issue) => {
    const path = [...prefix, ...(issue.path ?? []).map((p) => p.key as string | number)];
    // A missing required key comes as an object issue that received `undefined`.
    const missing = (issue.type === 'object_with_rest' || issue.type === 'strict_object') && issue.received === 'undefined';
    return { path: formatPath(path), message: missing ? 'is required' : issue.message };
  });
}

/** `['events', 3, 'actor', 'id']` → `events[3].actor.id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => {
    if (typeof part === 'number') return `${acc}[${part}]`;
    const name = String(part);
    if (!name) return `${acc}[""]`; // an empty key still gets a path of its own: `events[0][""]`
    return acc ? `${acc}.${name}` : name;
  }, '') || '(body)';
}

/** Parses `value` with `schema`, or throws a 400 listing every problem. */
export function parseInput<S extends v.GenericSchema>(schema: S, value: unknown, what: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, value);
  if (!parsed.success) throw new ValidationError(`The ${what} is invalid.`, toDetails(parsed.issues));
  return parsed.output;
}
