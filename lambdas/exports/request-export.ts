/**
 * Requesting an export: freeze the window, store the record with its audit
 * event (one transaction), start the state machine. When the start fails the
 * record is marked failed (never left queued) and the caller gets a 503.
 */
import type { ExportStore } from '../adapters/export-store.js';
import type { Transactions } from '../adapters/transactions.js';
import type { ExportStarter } from '../adapters/workflow.js';
import { ServiceUnavailableError } from '../core/errors.js';
import { type CreateExportInput, type ExportRecord, type ExportView, exportKey, exportView, freezeWindow } from '../core/exports.js';
import { auditItem, tokenActor } from '../events/audit-item.js';
import type { Principal } from '../shared/http.js';
import { logger } from '../shared/observability.js';
import { effectiveSettings, type SettingsSources } from '../settings/effective-settings.js';
import { ulid } from 'ulidx';

/** What requesting an export needs. */
export interface RequestExportDeps extends SettingsSources {
  readonly exportStore: Pick<ExportStore, 'createExport' | 'markFailed'>;
  readonly transactions: Pick<Transactions, 'putAuditEvent'>;
  readonly exportStarter: ExportStarter;
}

/** Queues an export for `principal`'s tenant; returns its view (status `queued`). */
export async function requestExport(deps: RequestExportDeps, principal: Principal, input: CreateExportInput): Promise<ExportView> {
  const { tenant } = principal;
  const id = ulid().toLowerCase();
  const createdAt = new Date().toISOString();
  const settings = await effectiveSettings(deps, tenant);
  const record: ExportRecord = {
    id, tenant, status: 'queued', format: input.format, filters: input.filters, window: freezeWindow(input.filters, createdAt),
    retentionDays: settings.retentionDays, email: input.email, requestedBy: principal.tokenId, createdAt,
    key: exportKey(tenant, id), seq: 0, part: 1, rowCount: 0, bytes: 0,
    ...(principal.restrict ? { restrict: principal.restrict } : {}),
  };
  const audit = await auditItem(deps, tenant, {
    // Just after the frozen window's end (`to` = createdAt, inclusive): an export never contains
    // its own request, however fast the request runs (with cached settings it may take under 1 ms).
    occurredAt: new Date(Date.parse(createdAt) + 1).toISOString(),
    action: 'audit_export.requested',
    actor: tokenActor(principal),
    resource: { type: 'audit_export', id },
    result: 'success',
    severity: 'notice',
    metadata: { filters: input.filters, email: input.email, format: input.format },
  }, settings);
  await deps.exportStore.createExport(record, [deps.transactions.putAuditEvent(audit)]);
  try {
    await deps.exportStarter.startExportWorkflow({ tenant, exportId: id });
  } catch (error) {
    logger.error('could not start the export workflow', { error, exportId: id });
    await deps.exportStore.markFailed(tenant, id, new Date().toISOString(), 'The export could not be started; please request it again.');
    throw new ServiceUnavailableError('The export could not be started (Step Functions is unavailable); please retry.');
  }
  return exportView(record);
}
