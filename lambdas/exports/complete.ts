/**
 * Task `Complete`: assembles the file from the recorded parts, then records its
 * size and the day the lifecycle rule deletes it. A retry after a completion
 * whose answer was lost finds the file and goes on.
 */
import { ExportDependencyError, PermanentExportError } from '../core/exports.js';
import { exportFiles, exportStore } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

const records = exportStore();
const files = exportFiles();

export const handler = task(async (input) => {
  const r = await loadExport(records, input);
  if (r.status !== 'running') throw new PermanentExportError(`Export ${r.id} is ${r.status}, not running.`);
  if (r.uploadId) {
    const parts = await records.listParts(r.tenant, r.id);
    if (!parts.length) throw new PermanentExportError('The export has no data to assemble.');
    await files.completeUpload(r.key, r.uploadId, parts);
  }
  const bytes = await files.fileSize(r.key);
  if (bytes === undefined) throw new ExportDependencyError('S3 does not show the assembled file yet.');
  const fileExpiresAt = new Date(Date.now() + config.exportRetentionDays * 86_400_000).toISOString();
  await records.markUploaded(r.tenant, r.id, bytes, fileExpiresAt);
  return {};
});
