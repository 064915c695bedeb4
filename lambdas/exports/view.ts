/** The public view of an export, with a fresh download link while its file exists. */
import { downloadLink } from '../adapters/download-links.js';
import { type ExportRecord, type ExportView, exportFileName, exportView, linkLifetimeSeconds } from '../core/exports.js';
import { config } from '../shared/config.js';

/** A link valid for ExportLinkTtlHours (never past the file's deletion), or none once the file is gone. */
export async function exportLink(record: ExportRecord, now = Date.now()): Promise<{ url: string; expiresAt: string } | undefined> {
  const seconds = linkLifetimeSeconds(now, config.exportLinkTtlHours, record.fileExpiresAt);
  return seconds > 0 ? downloadLink(record.key, exportFileName(record), seconds, now) : undefined;
}

/** `record`'s view; succeeded exports get a freshly signed link. */
export async function viewWithLink(record: ExportRecord): Promise<ExportView> {
  return exportView(record, record.status === 'succeeded' ? await exportLink(record) : undefined);
}
