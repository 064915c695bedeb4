/**
 * POST /v1/exports (scope exports:write): queue a CSV export of the events the
 * filters select and answer 202 at once; a Step Functions execution builds the
 * file and mails the link. The request is audited as `audit_export.requested`
 * in the same transaction as the export record.
 */
import { parseInput } from '../core/schemas.js';
import { exportStarter, exportStore, settingsSources, transactions } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { createExportSchema } from '../core/exports.js';
import { requestExport } from './request-export.js';

const deps = { ...settingsSources(), exportStore: exportStore(), transactions: transactions(), exportStarter: exportStarter() };

export const handler = route({ scope: 'exports:write', body: true }, async (_event, { principal, body }) => {
  const view = await requestExport(deps, principal, parseInput(createExportSchema, body, 'export request'));
  countOutcome('ExportsRequested');
  return json(202, view, { location: `/v1/exports/${view.id}` });
});
