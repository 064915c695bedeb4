/** Loading the export a workflow task works on. */
import type { ExportStore } from '../adapters/export-store.js';
import type { ExportTaskInput } from '../adapters/workflow.js';
import { type ExportRecord, PermanentExportError } from '../core/exports.js';

/** The export named by the task input; a missing one cannot be fixed by retrying. */
export async function loadExport(exports: Pick<ExportStore, 'getExport'>, { tenant, exportId }: ExportTaskInput): Promise<ExportRecord> {
  const record = await exports.getExport(tenant, exportId);
  if (!record) throw new PermanentExportError(`Export ${exportId} does not exist.`);
  return record;
}
