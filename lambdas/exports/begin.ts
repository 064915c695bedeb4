/**
 * Task `Begin`: marks the export running and opens its multipart upload.
 * Idempotent: a retry finds it running; if two attempts both opened an upload,
 * the one recorded first wins and the other is aborted at once.
 */
import { abortUpload, createUpload } from '../adapters/export-files.js';
import { markRunning, setUploadId } from '../adapters/export-store.js';
import { exportFileName, PermanentExportError } from '../core/exports.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

export const handler = task(async (input) => {
  const record = await loadExport(input);
  if (!(await markRunning(record.tenant, record.id, new Date().toISOString()))) {
    throw new PermanentExportError(`Export ${record.id} is ${record.status}; it cannot start again.`);
  }
  if (record.uploadId) return {};
  const uploadId = await createUpload(record.key, exportFileName(record));
  if (!(await setUploadId(record.tenant, record.id, uploadId))) await abortUpload(record.key, uploadId);
  return {};
});
