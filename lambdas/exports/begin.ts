/**
 * Task `Begin`: marks the export running and opens its multipart upload.
 * Idempotent: a retry finds it running; if two attempts both opened an upload,
 * the one recorded first wins and the other is aborted at once.
 */
import { exportFileName, PermanentExportError } from '../core/exports.js';
import { exportFiles, exportStore } from '../shared/adapters.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

const records = exportStore();
const files = exportFiles();

export const handler = task(async (input) => {
  const record = await loadExport(records, input);
  if (!(await records.markRunning(record.tenant, record.id, new Date().toISOString()))) {
    throw new PermanentExportError(`Export ${record.id} is ${record.status}; it cannot start again.`);
  }
  if (record.uploadId) return {};
  const uploadId = await files.createUpload(record.key, exportFileName(record));
  if (!(await records.setUploadId(record.tenant, record.id, uploadId))) await files.abortUpload(record.key, uploadId);
  return {};
});
