/**
 * GET /v1/exports/{id} (scope exports:write): status and progress (rows written
 * so far while running); once succeeded, the row count, size and a freshly
 * presigned download link. 404 when absent or another tenant's.
 */
import { NotFoundError } from '../core/errors.js';
import { downloadLinks, exportStore } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { withinRestriction } from '../core/restrictions.js';
import { countOutcome, json, route } from '../shared/http.js';
import { viewWithLink } from './view.js';

const records = exportStore();
const links = { downloadLinks: downloadLinks(), linkTtlHours: config.exportLinkTtlHours };

export const handler = route({ scope: 'exports:write' }, async (event, { principal }) => {
  const record = await records.getExport(principal.tenant, event.pathParameters?.id ?? '');
  if (!record || !withinRestriction(record.restrict, principal.restrict)) throw new NotFoundError('Export');
  countOutcome('ExportsFetched');
  return json(200, await viewWithLink(links, record));
});
