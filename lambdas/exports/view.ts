/** The public view of an export, with a fresh download link while its file exists. */
import type { DownloadLinks } from '../adapters/download-links.js';
import { type ExportRecord, type ExportView, exportFileName, exportView, linkLifetimeSeconds } from '../core/exports.js';

/** What links need: the presigner and their lifetime (`config.exportLinkTtlHours`). */
export interface LinkDeps {
  readonly downloadLinks: DownloadLinks;
  readonly linkTtlHours: number;
}

/** A link valid for ExportLinkTtlHours (never past the file's deletion), or none once the file is gone. */
export async function exportLink(deps: LinkDeps, record: ExportRecord, now = Date.now()): Promise<{ url: string; expiresAt: string } | undefined> {
  const seconds = linkLifetimeSeconds(now, deps.linkTtlHours, record.fileExpiresAt);
  return seconds > 0 ? deps.downloadLinks.downloadLink(record.key, exportFileName(record), seconds, now) : undefined;
}

/** `record`'s view; succeeded exports get a freshly signed link. */
export async function viewWithLink(deps: LinkDeps, record: ExportRecord): Promise<ExportView> {
  return exportView(record, record.status === 'succeeded' ? await exportLink(deps, record) : undefined);
}
