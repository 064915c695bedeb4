/**
 * Task `Notify`: mails the download link (valid ExportLinkTtlHours, never past
 * the file's deletion) with what was exported, then marks the export
 * succeeded. A rejected mail fails the export (Catch → `Fail`), so nobody
 * waits for a mail that will never come.
 */
import { markSucceeded } from '../adapters/export-store.js';
import { sendMail } from '../adapters/mailer.js';
import { PermanentExportError, readyMail } from '../core/exports.js';
import { countOutcome } from '../shared/http.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';
import { exportLink } from './view.js';

export const handler = task(async (input) => {
  const r = await loadExport(input);
  if (r.status !== 'running') throw new PermanentExportError(`Export ${r.id} is ${r.status}, not running.`);
  const link = await exportLink(r);
  if (!link) throw new PermanentExportError('The export file expired before the email could be sent.');
  const messageId = await sendMail(r.email, readyMail(r, link));
  await markSucceeded(r.tenant, r.id, new Date().toISOString(), { status: 'sent', messageId });
  countOutcome('ExportsSucceeded');
  return {};
});
