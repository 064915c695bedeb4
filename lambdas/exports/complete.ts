/**
 * Task `Complete`: assembles the file from the recorded parts, then records its
 * size and the day the lifecycle rule deletes it. A retry after a completion
 * whose answer was lost finds the file and goes on.
 */
import { completeUpload, fileSize } from '../adapters/export-files.js';
import { listParts, markUploaded } from '../adapters/export-store.js';
import { ExportDependencyError, PermanentExportError } from '../core/exports.js';
import { config } from '../shared/config.js';
import { task } from '../shared/task.js';
import { loadExport } from './load.js';

export const handler = task(async (input) => {
  const r = await loadExport(input);
  if (r.status !== 'running') throw new PermanentExportError(`Export ${r.id} is ${r.status}, not running.`);
  if (r.uploadId) {
    const parts = await listParts(r.tenant, r.id);
    if (!parts.length) throw new PermanentExportError('The export has no data to assemble.');
    await completeUpload(r.key, r.uploadId, parts);
  }
  const bytes = await fileSize(r.key);
  if (bytes === undefined) throw new ExportDependencyError('S3 does not show the assembled file yet.');
  const fileExpiresAt = new Date(Date.now() + config.exportRetentionDays * 86_400_000).toISOString();
  await markUploaded(r.tenant, r.id, bytes, fileExpiresAt);
  return {};
});
