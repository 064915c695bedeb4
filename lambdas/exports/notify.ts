/**
 * Task `Notify`: mails the download link (valid ExportLinkTtlHours, never past
 * the file's deletion) with what was exported, then marks the export
 * succeeded. A rejected mail fails the export (Catch → `Fail`), so nobody
 * waits for a mail that will never come.
 */
import { PermanentExportError, readyMail } from '../core/exports.js';
import { downloadLinks, exportStore, mailer } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome } from '../shared/http.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';
import { exportLink } from './view.js';

const records = exportStore();
const mails = mailer();
const links = { downloadLinks: downloadLinks(), linkTtlHours: config.exportLinkTtlHours };

export const handler = task(async (input) => {
  const r = await loadExport(records, input);
  if (r.status !== 'running') throw new PermanentExportError(`Export ${r.id} is ${r.status}, not running.`);
  const link = await exportLink(links, r);
  if (!link) throw new PermanentExportError('The export file expired before the email could be sent.');
  const messageId = await mails.sendMail(r.email, readyMail(r, link));
  await records.markSucceeded(r.tenant, r.id, new Date().toISOString(), { status: 'sent', messageId });
  countOutcome('ExportsSucceeded');
  return {};
});
