/**
 * Input schemas, validated at the edge (zod). Types are derived from these
 * schemas (`z.infer`), never written twice. Unknown fields are rejected
 * (strict objects), as the contract requires.
 */
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { LIMITS } from './limits.js';

const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');

/** Lowercase dotted identifier: `project.updated`, `auth.signed_in`. */
const ACTION = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const CATEGORY = /^[a-z0-9_-]+$/;
/** Client-supplied event ids (contract: 1-128 chars of [A-Za-z0-9._:-]). */
export const EVENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const text = (max: number) => z.string().trim().min(1).max(max);
const boundedObject = (max: number, what: string) =>
  z.record(z.string(), z.unknown()).refine((v) => jsonBytes(v) <= max, { message: `${what} must serialize to at most ${max} bytes` });

export const ACTOR_TYPES = ['user', 'service', 'system', 'api_token'] as const;
export const RESULTS = ['success', 'failure', 'invalid_input'] as const;
export const SEVERITIES = ['info', 'notice', 'warning', 'critical'] as const;
export const SCOPES = ['events:write', 'events:read', 'exports:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** ISO-8601 timestamp with offset, normalised to UTC milliseconds (`...T09:15:00.123Z`). */
export const isoTimestamp = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 timestamp' }).transform((v) => new Date(v).toISOString());

export const actorSchema = z.strictObject({
  type: z.enum(ACTOR_TYPES),
  id: text(128),
  name: text(256).optional(),
  email: z.email().max(320).optional(),
});

export const resourceSchema = z.strictObject({
  type: text(64),
  id: text(128),
  name: text(256).optional(),
});

/** One event as a service sends it. `receivedAt`, `client` and `changes.fields` are derived by the server. */
export const eventInputSchema = z
  .strictObject({
    id: z.string().regex(EVENT_ID, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -').optional(),
    occurredAt: isoTimestamp.optional(),
    action: z.string().max(128).regex(ACTION, 'must be a lowercase dotted identifier such as project.updated'),
    category: z.string().max(64).regex(CATEGORY, 'must be a lowercase identifier such as project').optional(),
    actor: actorSchema,
    resource: resourceSchema.optional(),
    project: text(128).optional(),
    ip: z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' }).optional(),
    userAgent: text(512).optional(),
    result: z.enum(RESULTS).default('success'),
    severity: z.enum(SEVERITIES).default('info'),
    message: text(1024).optional(),
    changes: z
      .strictObject({
        before: boundedObject(LIMITS.maxChangesBytes, 'changes.before').optional(),
        after: boundedObject(LIMITS.maxChangesBytes, 'changes.after').optional(),
      })
      .optional(),
    metadata: boundedObject(LIMITS.maxMetadataBytes, 'metadata').optional(),
  })
  .refine((e) => jsonBytes(e) <= LIMITS.maxEventBytes, { message: `an event must serialize to at most ${LIMITS.maxEventBytes} bytes` });
export type EventInput = z.infer<typeof eventInputSchema>;

/** POST /v1/events body: one event, or `{ events: [...] }` with 1..100 events. */
export const ingestBodySchema = z.union([
  z.strictObject({ events: z.array(z.unknown()).min(1, 'must hold at least one event').max(LIMITS.batchSize, `must hold at most ${LIMITS.batchSize} events`) }),
  z.record(z.string(), z.unknown()),
]);

const RANGES = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000, '90d': 90 * 86_400_000 } as const;
export type RangePreset = keyof typeof RANGES;
export const rangeMs = (r: RangePreset): number => RANGES[r];

const actionFilter = z
  .string()
  .regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/, 'must be an action such as project.updated, or a prefix such as project.*');

/** Filters shared by GET /v1/events and exports (no cursor/limit). */
export const eventFilterSchema = z
  .strictObject({
    from: isoTimestamp.optional(),
    to: isoTimestamp.optional(),
    range: z.enum(Object.keys(RANGES) as [RangePreset, ...RangePreset[]]).optional(),
    action: z.array(actionFilter).max(20).optional(),
    category: z.string().regex(CATEGORY, 'must be a lowercase identifier').optional(),
    actor: text(128).optional(),
    actorEmail: z.email().max(320).optional(),
    resourceType: text(64).optional(),
    resourceId: text(128).optional(),
    project: text(128).optional(),
    result: z.enum(RESULTS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    q: z.string().trim().min(1).max(256).optional(),
  })
  .refine((f) => !(f.range && (f.from || f.to)), { message: 'use either range or from/to, not both', path: ['range'] })
  .refine((f) => !(f.from && f.to && f.from > f.to), { message: 'must not be after to', path: ['from'] });
export type EventFilter = z.infer<typeof eventFilterSchema>;

const pageParams = {
  limit: z.coerce.number().int('must be an integer').min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
  cursor: z.string().min(1).max(8192).optional(),
};

/** GET /v1/events query string. */
export const listEventsQuerySchema = z.strictObject({ ...eventFilterSchema.shape, ...pageParams })
  .refine((f) => !(f.range && (f.from || f.to)), { message: 'use either range or from/to, not both', path: ['range'] })
  .refine((f) => !(f.from && f.to && f.from > f.to), { message: 'must not be after to', path: ['from'] });
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

/** GET /v1/access-logs query string. */
export const accessLogsQuerySchema = z
  .strictObject({
    actor: eventFilterSchema.shape.actor,
    from: eventFilterSchema.shape.from,
    to: eventFilterSchema.shape.to,
    range: eventFilterSchema.shape.range,
    result: eventFilterSchema.shape.result,
    ...pageParams,
  })
  .refine((f) => !(f.range && (f.from || f.to)), { message: 'use either range or from/to, not both', path: ['range'] });
export type AccessLogsQuery = z.infer<typeof accessLogsQuerySchema>;

/** POST /v1/tokens body. */
export const createTokenSchema = z.strictObject({
  name: text(128),
  scopes: z.array(z.enum(SCOPES)).min(1, 'must grant at least one scope').max(SCOPES.length),
  expiresAt: isoTimestamp.refine((v) => Date.parse(v) > Date.now(), 'must be in the future').optional(),
});
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

/** PUT /v1/settings body; omitted fields keep their value. */
export const putSettingsSchema = z.strictObject({
  retentionDays: z.number().int('must be an integer').min(1).optional(),
  recording: z.record(z.string().regex(CATEGORY, 'must be a lowercase category'), z.boolean()).optional(),
});
export type PutSettingsInput = z.infer<typeof putSettingsSchema>;

/** Turns a zod error into contract error details (`events[3].actor.id`). */
export function toDetails(error: z.ZodError, prefix: (string | number)[] = []): { path: string; message: string }[] {
  const details: { path: string; message: string }[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path] as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) details.push({ path: formatPath([...path, key]), message: 'is not a known field' });
    } else {
      details.push({ path: formatPath(path), message: issue.message });
    }
  }
  return details;
}

/** `['events', 3, 'actor', 'id']` → `events[3].actor.id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '') || '(body)';
}

/** Parses `value` with `schema`, or throws a 400 listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`The ${what} is invalid.`, toDetails(parsed.error));
  return parsed.data;
}
