/**
 * Task `WriteChunk`, run in a loop: reads the next rows (oldest first, strictly
 * after the recorded resume key), formats them as CSV and either uploads them
 * as the next multipart part, or, when it must stop before a part is full (row
 * or time budget) and the part would be under S3's 5 MiB minimum, keeps them in
 * a carry-over object that the next chunk starts from. Then it commits the new
 * progress, conditionally on the chunk sequence number, so a retried chunk
 * re-reads the same rows into the same part number and commits once: no row is
 * written twice or skipped. Returns `{ done, rowCount }` for the loop's Choice.
 */
import type { Context } from 'aws-lambda';
import { csvHeader, csvRows } from '../core/csv.js';
import { scanAscending } from '../core/export-scan.js';
import { carryKey, type ExportProgress, MAX_CHUNKS, MAX_PARTS, MIN_PART_BYTES, PermanentExportError } from '../core/exports.js';
import { fromItem } from '../core/keys.js';
import { planEventQuery } from '../core/query-plan.js';
import { restrictFilter } from '../core/restrictions.js';
import { eventStore, exportFiles, exportStore, settingsSources } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { MetricUnit, metrics } from '../shared/observability.js';
import { task } from '../shared/task.js';
import { effectiveSettings } from '../settings/effective-settings.js';
import { loadExport } from './load.js';

const events = eventStore();
const records = exportStore();
const files = exportFiles();
const sources = settingsSources();
const partBytes = Math.max(config.exportPartBytes, MIN_PART_BYTES);
const maxRows = config.exportChunkMaxRows;
/** Stop reading when less than this is left of the Lambda timeout (upload + commit need time). */
const RESERVE_MS = 90_000;

export const handler = task(async (input, context: Context): Promise<{ done: boolean; rowCount: number }> => {
  const r = await loadExport(records, input);
  if (r.status !== 'running') throw new PermanentExportError(`Export ${r.id} is ${r.status}, not running.`);
  if (r.seq >= MAX_CHUNKS || r.part > MAX_PARTS) {
    throw new PermanentExportError(`The export is too large (over ${r.rowCount.toLocaleString('en-US')} rows); narrow the filters or split the time range.`);
  }
  const settings = await effectiveSettings(sources, r.tenant);
  // Within the requester's token restriction; a window that contradicts it selects nothing (no partition is read).
  const window = restrictFilter(r.window, r.restrict);
  const planned = planEventQuery({ tenant: r.tenant, filter: window ?? r.window, shards: settings.shards, retentionDays: r.retentionDays, now: Date.parse(r.createdAt) });
  const plan = window ? planned : { ...planned, partitions: [] };

  // The part being built: a carry-over first, the header at the very start of the file.
  const chunks: Buffer[] = [];
  let bytes = 0;
  const append = (data: string | Buffer) => {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    chunks.push(buf);
    bytes += buf.length;
  };
  if (r.carry) {
    const carried = await files.getCarry(r.carry.key);
    if (!carried) {
      // A duplicate attempt committed this chunk and consumed the carry-over: go on from its progress.
      if ((await loadExport(records, input)).seq !== r.seq) return { done: false, rowCount: r.rowCount };
      throw new PermanentExportError('The rows kept by the last chunk are missing; the export cannot go on.');
    }
    append(carried);
  } else if (r.part === 1 && r.after === undefined) {
    append(csvHeader());
  }

  let rows = 0;
  let after = r.after;
  let done = false;
  let scanned = 0;
  for await (const batch of scanAscending(plan, r.after, events.queryAscending)) {
    scanned += batch.scanned;
    const room = maxRows - rows;
    const take = batch.items.length <= room ? batch.items : batch.items.slice(0, room);
    if (take.length) append(csvRows(take.map(fromItem)));
    rows += take.length;
    if (take.length < batch.items.length) {
      after = take.at(-1)?.s ?? after;
      break;
    }
    after = batch.through;
    if (batch.done) {
      done = true;
      break;
    }
    if (bytes >= partBytes || rows >= maxRows || context.getRemainingTimeInMillis() < RESERVE_MS) break;
  }

  const progress: ExportProgress = { seq: r.seq + 1, part: r.part, after, rowCount: r.rowCount + rows, bytes: r.bytes };
  const body = Buffer.concat(chunks);
  let part;
  if (body.length && (done || body.length >= MIN_PART_BYTES)) {
    const etag = await files.uploadPart(r.key, r.uploadId!, r.part, body);
    part = { n: r.part, etag, bytes: body.length, rows: (r.carry?.rows ?? 0) + rows };
    progress.part = r.part + 1;
    progress.bytes = r.bytes + body.length;
  } else if (body.length) {
    // Too small for a part and not the last: keep it for the next chunk.
    const key = carryKey(r.key, progress.seq);
    await files.putCarry(key, body);
    progress.carry = { key, rows: (r.carry?.rows ?? 0) + rows, bytes: body.length };
  }
  const committed = await records.commitChunk(r.tenant, r.id, r.seq, progress, part);
  if (!committed) {
    // Another attempt committed this chunk first; the loop goes on from its progress.
    return { done: false, rowCount: r.rowCount };
  }
  // The carry-over read at the start is now in a part or in a newer carry-over.
  if (r.carry) await files.deleteFile(r.carry.key);
  metrics.addMetric('ExportRowsWritten', MetricUnit.Count, rows);
  metrics.addMetric('ExportItemsScanned', MetricUnit.Count, scanned);
  return { done, rowCount: progress.rowCount };
});
