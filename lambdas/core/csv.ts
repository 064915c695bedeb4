/**
 * The export CSV (contract: Exports): RFC 4180 (quoted where needed, CRLF line
 * ends), UTF-8 with a byte-order mark so Excel opens non-ASCII names intact,
 * one header row, one row per event. Cells a spreadsheet would execute (leading
 * `=`, `+`, `-`, `@`, tab, CR) are neutralised with a leading `'` by
 * csv-stringify's `escape_formulas`. Pure, no AWS SDK.
 */
import { stringify } from 'csv-stringify/sync';
import type { AuditEvent } from './event.js';

/** The columns, in order (contract). `changes` and `metadata` hold JSON. */
export const EXPORT_COLUMNS = [
  'id', 'occurredAt', 'receivedAt', 'actorType', 'actorId', 'actorName', 'actorEmail', 'action', 'category',
  'resourceType', 'resourceId', 'resourceName', 'project', 'result', 'severity', 'ip', 'userAgent',
  'browser', 'os', 'device', 'message', 'changedFields', 'changes', 'metadata',
] as const;

/** Starts the file: Excel reads a BOM-less CSV in the machine's legacy code page and mangles non-ASCII. */
export const UTF8_BOM = '\uFEFF';

/** Separator of the `changedFields` cell (`name;email`). */
export const FIELD_SEPARATOR = ';';

// An explicit record delimiter turns off csv-stringify's quoting of lone CR/LF; cells with line breaks must be quoted.
const OPTIONS = { escape_formulas: true, record_delimiter: 'windows', quote_record_delimiter: true, eof: true } as const;

/** The cells of one event, in {@link EXPORT_COLUMNS} order; absent values are empty cells. */
export function csvRecord(e: AuditEvent): string[] {
  const changes = e.changes && { before: e.changes.before, after: e.changes.after };
  return [
    e.id, e.occurredAt, e.receivedAt,
    e.actor.type, e.actor.id, e.actor.name ?? '', e.actor.email ?? '',
    e.action, e.category,
    e.resource?.type ?? '', e.resource?.id ?? '', e.resource?.name ?? '',
    e.project ?? '', e.result, e.severity, e.ip ?? '', e.userAgent ?? '',
    e.client?.browser ?? '', e.client?.os ?? '', e.client?.device ?? '',
    e.message,
    e.changes?.fields.join(FIELD_SEPARATOR) ?? '',
    changes ? JSON.stringify(changes) : '',
    e.metadata ? JSON.stringify(e.metadata) : '',
  ];
}

/** The file's first bytes: BOM and header row. */
export const csvHeader = (): string => UTF8_BOM + stringify([[...EXPORT_COLUMNS]], OPTIONS);

/** CSV text of `events`, one CRLF-terminated row each. */
export function csvRows(events: readonly AuditEvent[]): string {
  return events.length ? stringify(events.map(csvRecord), OPTIONS) : '';
}
