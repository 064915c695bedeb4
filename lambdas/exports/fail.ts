/**
 * Task `Fail` (every step's Catch): aborts the multipart upload, deletes what
 * was written (file, carry-over), marks the export failed with a reason fit
 * for its requester, and mails that reason. If SES rejects the failure mail
 * too, the export's `mail` says so; a transient SES error is retried.
 */
import { abortUpload, deleteFile } from '../adapters/export-files.js';
import { markFailed, recordMail } from '../adapters/export-store.js';
import { sendMail } from '../adapters/mailer.js';
import type { ExportTaskInput } from '../adapters/workflow.js';
import { describeFailure, failedMail, PermanentExportError } from '../core/exports.js';
import { countOutcome } from '../shared/http.js';
import { logger } from '../shared/observability.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

interface FailInput extends ExportTaskInput {
  /** What the Catch caught. */
  error?: { Error?: string; Cause?: string };
}

export const handler = task(async (input: FailInput) => {
  const r = await loadExport(input);
  if (r.status === 'succeeded') return {};
  const reason = r.error ?? describeFailure(input.error);
  logger.warn('export failed', { caught: input.error, reason });
  if (r.uploadId) await abortUpload(r.key, r.uploadId);
  await Promise.all([deleteFile(r.key), ...(r.carry ? [deleteFile(r.carry.key)] : [])]);
  await markFailed(r.tenant, r.id, new Date().toISOString(), reason);
  countOutcome('ExportsFailed');
  if (r.mail) return {}; // a retry after the mail went out (or was refused)
  try {
    const messageId = await sendMail(r.email, failedMail(r, reason));
    await recordMail(r.tenant, r.id, { status: 'sent', messageId });
  } catch (err) {
    if (!(err instanceof PermanentExportError)) throw err;
    logger.error('the failure mail was refused', { error: err });
    await recordMail(r.tenant, r.id, { status: 'failed', error: err.message });
  }
  return {};
});
