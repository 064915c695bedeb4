/**
 * Task `Fail` (every step's Catch): aborts the multipart upload, deletes what
 * was written (file, carry-over), mails the requester why, and marks the
 * export failed with that reason and the mail's outcome. If SES refuses the
 * failure mail too (the address was the problem), that is recorded; a
 * transient SES error is retried.
 */
import type { ExportTaskInput } from '../adapters/workflow.js';
import { describeFailure, type ExportRecord, failedMail, PermanentExportError } from '../core/exports.js';
import { exportFiles, exportStore, mailer } from '../shared/adapters.js';
import { countOutcome } from '../shared/http.js';
import { logger } from '../shared/observability.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

const records = exportStore();
const files = exportFiles();
const mails = mailer();

interface FailInput extends ExportTaskInput {
  /** What the Catch caught. */
  error?: { Error?: string; Cause?: string };
}

export const handler = task(async (input: FailInput) => {
  const r = await loadExport(records, input);
  if (r.status === 'succeeded' || r.status === 'failed') return {};
  const reason = describeFailure(input.error);
  logger.warn('export failed', { caught: input.error, reason });
  if (r.uploadId) await files.abortUpload(r.key, r.uploadId);
  await Promise.all([files.deleteFile(r.key), ...(r.carry ? [files.deleteFile(r.carry.key)] : [])]);
  // Mail first: once the status says failed, the requester has been told (or SES refused).
  let mail: NonNullable<ExportRecord['mail']>;
  try {
    mail = { status: 'sent', messageId: await mails.sendMail(r.email, failedMail(r, reason)) };
  } catch (err) {
    if (!(err instanceof PermanentExportError)) throw err; // throttling, outage: the state machine retries
    logger.error('the failure mail was refused', { error: err });
    mail = { status: 'failed', error: err.message };
  }
  await records.markFailed(r.tenant, r.id, new Date().toISOString(), reason, mail);
  countOutcome('ExportsFailed');
  return {};
});
