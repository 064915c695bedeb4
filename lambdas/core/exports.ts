/**
 * The export model (contract: Exports): the request, the record that tracks an
 * export through the state machine, its public view, the frozen read window,
 * and the errors the workflow raises. Pure, no AWS SDK.
 *
 * An export reads exactly what `GET /v1/events` would return for the same
 * filters at the moment it was requested: relative ranges (`range=7d`) and an
 * open end are frozen to absolute bounds at request time, and retention is
 * applied as of then, so every chunk of a long export reads the same window.
 */
import * as v from 'valibot';
import { type EventFilter, eventFilterSchema, rangeMs, rejectingSkippedKeys, type Restriction } from './schemas.js';

export const EXPORT_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];
export const EXPORT_FORMATS = ['csv'] as const;

/**
 * Items per Query page of an export. DynamoDB caps a page at 1 MB anyway (~1,500 typical
 * items), so an explicit Limit costs nothing there; DynamoDB Local answers a Query without
 * one by reading the whole rest of the key range for every page (measured over 1M events:
 * 722 items/s without a Limit, 25,297 with one).
 */
export const EXPORT_PAGE_ITEMS = 1_000;

/** S3 refuses multipart parts under 5 MiB, except the last one. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's ceiling on parts per upload. */
export const MAX_PARTS = 10_000;
/**
 * Chunks (state machine loop iterations) an export may take. Each costs ~7 history
 * events and Standard workflows stop at 25,000; 3,000 leaves room for retries. At the
 * default 8 MiB part that is ~23 GiB, some 50 million rows.
 */
export const MAX_CHUNKS = 3_000;

const email = v.pipe(v.string('must be a string'), v.trim(), v.maxLength(320, 'must be at most 320 characters'), v.email('must be an email address'));

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * POST /v1/exports body. `filters.action` may be one action or a list, as in the query string.
 * Unknown fields are rejected, `__proto__`, `constructor` and `prototype` included (found by the fuzz suite:
 * valibot skipped them and the export was queued).
 */
export const createExportSchema = rejectingSkippedKeys(v.pipe(
  v.custom<Record<string, unknown>>(isObject, 'must be a JSON object'),
  v.transform((body) => {
    const filters = body.filters as Record<string, unknown> | undefined;
    return typeof filters?.action === 'string' ? { ...body, filters: { ...filters, action: [filters.action] } } : body;
  }),
  v.objectWithRest(
    {
      filters: v.optional(eventFilterSchema, {}),
      email,
      format: v.optional(v.picklist(EXPORT_FORMATS, `must be one of ${EXPORT_FORMATS.join(', ')}`), 'csv'),
    },
    v.never('is not a known field'),
    'must be a JSON object',
  ),
));
export type CreateExportInput = v.InferOutput<typeof createExportSchema>;

/** Where the next chunk goes on. */
export interface ExportProgress {
  /** Chunks committed so far; a chunk commits only if this still matches (idempotent retries). */
  seq: number;
  /** Number of the next multipart part. */
  part: number;
  /** Sort key of the last row written (resume strictly after it); absent before the first row. */
  after?: string;
  /** Rows written so far (in parts and in the carry-over). */
  rowCount: number;
  /** Bytes of the parts uploaded so far. */
  bytes: number;
  /** Rows read but too few for a part (< 5 MiB) when a chunk had to stop: kept in S3 for the next chunk. */
  carry?: { key: string; rows: number; bytes: number };
}

/** An export as stored (Control table). */
export interface ExportRecord extends ExportProgress {
  id: string;
  tenant: string;
  status: ExportStatus;
  format: (typeof EXPORT_FORMATS)[number];
  /** Filters as requested. */
  filters: EventFilter;
  /** The same filters with the window frozen (no `range`; `to` always set). */
  window: EventFilter;
  /** The requesting token's restriction, ANDed into `window` when rows are read; only tokens restricted as much see the export. */
  restrict?: Restriction;
  /** Tenant retention when requested. */
  retentionDays: number;
  email: string;
  /** Token that requested it. */
  requestedBy: string;
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  /** When the lifecycle rule deletes the file. */
  fileExpiresAt?: string;
  /** S3 object key of the file. */
  key: string;
  uploadId?: string;
  /** Why it failed, safe to show. */
  error?: string;
  /** Outcome of the notification mail. */
  mail?: { status: 'sent' | 'failed'; messageId?: string; error?: string };
}

/** The public view of an export (contract: `GET /v1/exports/{id}`). */
export interface ExportView {
  id: string;
  status: ExportStatus;
  format: string;
  filters: EventFilter;
  email: string;
  rowCount: number;
  bytes: number | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  downloadUrl: string | null;
  /** When `downloadUrl` stops working. */
  downloadUrlExpiresAt: string | null;
  /** When the file is deleted (ExportRetentionDays). */
  fileExpiresAt: string | null;
  error: string | null;
}

/** The view of `record`, with a download link when there is one. */
export function exportView(r: ExportRecord, link?: { url: string; expiresAt: string }): ExportView {
  const done = r.status === 'succeeded';
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    filters: r.filters,
    email: r.email,
    rowCount: r.rowCount,
    bytes: done ? r.bytes : r.status === 'running' ? r.bytes : null,
    createdAt: r.createdAt,
    startedAt: r.startedAt ?? null,
    completedAt: r.completedAt ?? null,
    downloadUrl: done && link ? link.url : null,
    downloadUrlExpiresAt: done && link ? link.expiresAt : null,
    fileExpiresAt: done ? (r.fileExpiresAt ?? null) : null,
    error: r.error ?? null,
  };
}

/** Freezes the read window at `createdAt`: `range` becomes `from`, an open end becomes `to = createdAt`. */
export function freezeWindow(filters: EventFilter, createdAt: string): EventFilter {
  const { range, ...rest } = filters;
  const now = Date.parse(createdAt);
  return {
    ...rest,
    ...(range ? { from: new Date(now - rangeMs(range)).toISOString() } : {}),
    to: rest.to ?? createdAt,
  };
}

/**
 * Key prefix of every export object: `exports/{tenant}/{exportId}.csv`, and a chunk's carry-over
 * `exports/{tenant}/{exportId}.carry/{n}`. The bucket's lifecycle expiry and every S3 permission
 * (`ExportWorkflow`) are scoped to it.
 */
export const EXPORT_KEY_PREFIX = 'exports/';
/** The S3 key of an export's file: one prefix per tenant. */
export const exportKey = (tenant: string, id: string): string => `${EXPORT_KEY_PREFIX}${encodeURIComponent(tenant)}/${id}.csv`;
/** The S3 key of a chunk's carry-over (`seq` makes a retried chunk write a new object, never a half-read one). */
export const carryKey = (key: string, seq: number): string => `${key}.carry/${seq}`;
/** The file name a browser saves. */
export const exportFileName = (r: Pick<ExportRecord, 'id' | 'createdAt'>): string => `audit-log-export-${r.createdAt.slice(0, 10)}-${r.id}.csv`;

/** How long a link signed now stays valid: the stack's link lifetime, never past the file's deletion. */
export function linkLifetimeSeconds(now: number, ttlHours: number, fileExpiresAt?: string): number {
  const ttl = ttlHours * 3600;
  if (!fileExpiresAt) return ttl;
  return Math.max(0, Math.min(ttl, Math.floor((Date.parse(fileExpiresAt) - now) / 1000)));
}

/** Name of {@link PermanentExportError}: what the state machine's `Retry` matches to skip retries. */
export const PERMANENT_EXPORT_ERROR = 'PermanentExportError';

/** A workflow error whose message is safe to show to the user and that retrying cannot fix. */
export class PermanentExportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = PERMANENT_EXPORT_ERROR;
  }
}

/** A dependency failed after the SDK's own retries (S3, SES, DynamoDB); the state machine retries the step. The message is safe to show. */
export class ExportDependencyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExportDependencyError';
  }
}

/** Errors whose messages were written for users. */
const SAFE_ERRORS = new Set([PERMANENT_EXPORT_ERROR, 'ExportDependencyError']);

/**
 * Why an export failed, in words for its requester, from the `{Error, Cause}` the
 * state machine's Catch hands over. Lambda errors carry a JSON Cause
 * (`{"errorType","errorMessage"}`); only our own errors' messages are shown, anything
 * else becomes a generic sentence (internals stay in the logs).
 */
export function describeFailure(error: { Error?: string; Cause?: string } | undefined): string {
  let type = error?.Error ?? '';
  let message = error?.Cause ?? '';
  try {
    const cause = JSON.parse(message) as { errorType?: string; errorMessage?: string };
    type = cause.errorType ?? type;
    message = cause.errorMessage ?? '';
  } catch {
    // a plain-text Cause
  }
  if (SAFE_ERRORS.has(type) && message) return message;
  if (type === 'States.Timeout' || type === 'Sandbox.Timedout') return 'The export took longer than allowed and was stopped. Narrow the filters (a shorter time range) and try again.';
  if (type.startsWith('Lambda.') || type.startsWith('Runtime.')) return 'The export worker failed repeatedly; the export was stopped. Please try again.';
  return 'An internal error stopped the export; it has been logged. Please try again.';
}

/** Human-readable filters: `actor u_42 · action project.* · from … to …`. */
export function describeFilters(window: EventFilter): string {
  const parts: string[] = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined && value !== '') parts.push(`${label} ${Array.isArray(value) ? value.join(' or ') : String(value)}`);
  };
  add('actor', window.actor);
  add('actor email', window.actorEmail);
  add('action', window.action);
  add('category', window.category);
  add('resource type', window.resourceType);
  add('resource', window.resourceId);
  add('project', window.project);
  add('result', window.result);
  add('severity', window.severity);
  if (window.q) parts.push(`text "${window.q}"`);
  parts.push(`from ${window.from ?? 'the start of retention'} to ${window.to ?? 'now'}`);
  return parts.join(' · ');
}

/** `8.4 MB`, `512 KB`, `120 B` (decimal units, rounded before the unit is chosen). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  for (let unit = 0; ; unit++) {
    const value = bytes / 1000 ** (unit + 1);
    const shown = value < 10 ? Number(value.toFixed(1)) : Math.round(value);
    if (shown < 1000 || unit === units.length - 1) return `${shown < 10 ? shown.toFixed(1) : shown} ${units[unit]}`;
  }
}

/** A mail, plain text and HTML. */
export interface Mail {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const count = (n: number) => n.toLocaleString('en-US');

/** The "your export is ready" mail. */
export function readyMail(r: ExportRecord, link: { url: string; expiresAt: string }): Mail {
  const rows = `${count(r.rowCount)} event${r.rowCount === 1 ? '' : 's'}`;
  const size = formatBytes(r.bytes);
  const filters = describeFilters(r.window);
  const text = [
    `Your audit log export is ready: ${rows}, ${size} (CSV).`,
    '',
    `Filters: ${filters}`,
    '',
    `Download (valid until ${link.expiresAt}):`,
    link.url,
    '',
    `Export ${r.id}, requested ${r.createdAt}. The file is deleted on ${r.fileExpiresAt ?? 'expiry'}; a fresh link is at GET /v1/exports/${r.id} until then.`,
  ].join('\n');
  const html = `<p>Your audit log export is ready: <strong>${rows}</strong>, ${size} (CSV).</p>`
    + `<p>Filters: ${escapeHtml(filters)}</p>`
    + `<p><a href="${escapeHtml(link.url)}">Download the CSV</a> (link valid until ${link.expiresAt}).</p>`
    + `<p style="color:#666">Export ${r.id}, requested ${r.createdAt}. The file is deleted on ${r.fileExpiresAt ?? 'expiry'}; a fresh link is at GET /v1/exports/${r.id} until then.</p>`;
  return { subject: `Audit log export ready: ${rows}, ${size}`, text, html };
}

/** The "your export failed" mail. */
export function failedMail(r: ExportRecord, reason: string): Mail {
  const filters = describeFilters(r.window);
  const text = [
    'Your audit log export failed.',
    '',
    `Why: ${reason}`,
    '',
    `Filters: ${filters}`,
    `Export ${r.id}, requested ${r.createdAt}. Nothing was kept; you can request it again.`,
  ].join('\n');
  const html = '<p>Your audit log export <strong>failed</strong>.</p>'
    + `<p>Why: ${escapeHtml(reason)}</p>`
    + `<p>Filters: ${escapeHtml(filters)}</p>`
    + `<p style="color:#666">Export ${r.id}, requested ${r.createdAt}. Nothing was kept; you can request it again.</p>`;
  return { subject: 'Audit log export failed', text, html };
}
