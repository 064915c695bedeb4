/**
 * How values read on screen: times in the viewer's own zone (UTC on hover), actors, results,
 * severities, clients, sizes, JSON, and an event's before/after diff. Pure (no DOM), so the
 * rules are unit-tested; text comes from the strings module.
 */
import diff from 'microdiff';
import { strings } from './strings.js';
import type { AuditEvent, Result, Severity } from './types.js';

let timeFormat: Intl.DateTimeFormat | undefined;

/** A time shown as local text, with its exact UTC instant for the `title` (hover) and `datetime`. */
export interface TimeText {
  /** e.g. "3 Dec 2026, 09:25:01" in the viewer's locale and zone. */
  readonly text: string;
  /** e.g. "2026-12-03 09:25:01.449 UTC". */
  readonly utc: string;
  /** The ISO value, for `<time datetime>`. */
  readonly iso: string;
}

/** Local time (seconds) with the UTC instant beside it; an unparseable value is shown as given. */
export function formatTime(iso: string, locale?: string, timeZone?: string): TimeText {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return { text: iso, utc: iso, iso };
  const fmt = locale || timeZone
    ? new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone })
    : (timeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }));
  const d = new Date(t);
  return { text: fmt.format(d), utc: `${d.toISOString().replace('T', ' ').replace('Z', '')} UTC`, iso: d.toISOString() };
}

/** "first – last" of a group of times; the date is not repeated when both fall on the same local day. */
export function formatSpan(firstIso: string, lastIso: string, locale?: string, timeZone?: string): TimeText {
  const first = formatTime(firstIso, locale, timeZone);
  if (firstIso === lastIso) return first;
  const last = formatTime(lastIso, locale, timeZone);
  const sameDay = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeZone });
  const a = Date.parse(firstIso);
  const b = Date.parse(lastIso);
  let lastText = last.text;
  if (Number.isFinite(a) && Number.isFinite(b) && sameDay.format(a) === sameDay.format(b)) {
    lastText = new Intl.DateTimeFormat(locale, { timeStyle: 'medium', timeZone }).format(b);
  }
  return { text: `${first.text} – ${lastText}`, utc: `${first.utc} – ${last.utc}`, iso: first.iso };
}

/**
 * The actor as people read it: a user's name (or email, or id); system, service and API-token
 * actors say what they are; a missing actor reads `[nobody]`.
 */
export function actorLabel(actor: AuditEvent['actor'] | undefined | null): string {
  if (!actor || !actor.id) return strings.actorNobody;
  const name = actor.name || actor.email || actor.id;
  switch (actor.type) {
    case 'system': return strings.actorSystem(actor.name || actor.id);
    case 'service': return strings.actorService(name);
    case 'api_token': return strings.actorApiToken(name);
    default: return name;
  }
}

/** Second line under the actor: the email when the name is shown, else nothing. */
export function actorDetail(actor: AuditEvent['actor'] | undefined | null): string {
  return actor?.name && actor.email ? actor.email : '';
}

/** A result as a badge: its label and a class for its colour (`ok`, `bad`, `warn`). */
export function resultBadge(result: Result | string | undefined): { readonly label: string; readonly tone: 'ok' | 'bad' | 'warn' } {
  switch (result) {
    case 'failure': return { label: strings.resultFailure, tone: 'bad' };
    case 'invalid_input': return { label: strings.resultInvalidInput, tone: 'warn' };
    default: return { label: strings.resultSuccess, tone: 'ok' };
  }
}

/** A severity's label (unknown ones as given). */
export function severityLabel(severity: Severity | string | undefined): string {
  return (severity && strings.severity[severity]) || severity || strings.none;
}

/** "Firefox 133 · Windows 10 · desktop" (parts that are known). */
export function clientLabel(client: AuditEvent['client'] | undefined): string {
  const parts = [client?.browser, client?.os, client?.device].filter(Boolean);
  return parts.length ? parts.join(' · ') : strings.none;
}

/** A resource as "type name" or "type id". */
export function resourceLabel(resource: AuditEvent['resource'] | undefined): string {
  if (!resource) return strings.none;
  return `${resource.type} ${resource.name || resource.id}`;
}

/** Bytes in B, KB, MB, GB (1024-based, one decimal above 1 KB). */
export function formatBytes(n: number | undefined): string {
  if (n === undefined || n === null || !Number.isFinite(n) || n < 0) return strings.none;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return strings.bytes(i === 0 ? v : Math.round(v * 10) / 10, units[i]);
}

/** Any value as indented JSON (text, shown in a `<pre>`; never parsed as HTML). */
export function formatJson(value: unknown): string {
  if (value === undefined) return strings.none;
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One row of a before/after diff. */
export interface DiffRow {
  /** `a.b[2]`-style path of the field. */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  /** JSON of the value before ('' when added). */
  readonly before: string;
  /** JSON of the value after ('' when removed). */
  readonly after: string;
}

/** `['a', 'b', 2, 'c d']` → `a.b[2]["c d"]`. */
export function diffPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function cell(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The changed leaves between `before` and `after` (microdiff), sorted by path. A field that is
 * absent on one side is `added`/`removed`.
 */
export function diffRows(before: unknown, after: unknown): DiffRow[] {
  const a = before && typeof before === 'object' ? (before as Record<string, unknown>) : {};
  const b = after && typeof after === 'object' ? (after as Record<string, unknown>) : {};
  const rows: DiffRow[] = diff(a, b).map((d) => {
    const path = diffPath(d.path);
    if (d.type === 'CREATE') return { path, kind: 'added', before: '', after: cell(d.value) };
    if (d.type === 'REMOVE') return { path, kind: 'removed', before: cell(d.oldValue), after: '' };
    return { path, kind: 'changed', before: cell(d.oldValue), after: cell(d.value) };
  });
  return rows.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** A long id shortened for narrow cells (the full id stays in the details). */
export function shortId(id: string, max = 24): string {
  return id.length > max ? `${id.slice(0, max - 1)}…` : id;
}
