/**
 * GET /v1/exports (scope exports:write): the tenant's exports, newest first,
 * `limit` (1..100, default 20) per page with a signed `cursor`.
 */
import { decodeCursor, encodeCursor } from '../core/cursor.js';
import { listExportsQuerySchema, parseInput } from '../core/schemas.js';
import { downloadLinks, exportStore } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { withinRestriction } from '../core/restrictions.js';
import { countOutcome, json, queryParams, route } from '../shared/http.js';
import { viewWithLink } from './view.js';

const records = exportStore();
const links = { downloadLinks: downloadLinks(), linkTtlHours: config.exportLinkTtlHours };

const BINDING = 'exports';

export const handler = route({ scope: 'exports:write' }, async (event, { principal }) => {
  const { limit, cursor } = parseInput(listExportsQuerySchema, queryParams(event), 'query string');
  const after = cursor ? decodeCursor<{ a: string }>(config.cursorSecret, principal.tenant, BINDING, cursor).a : undefined;
  const listed = await records.listExports(principal.tenant, limit, after);
  // A restricted token sees only exports made under (at least) its restriction: the file holds only such events.
  const page = { ...listed, exports: listed.exports.filter((record) => withinRestriction(record.restrict, principal.restrict)) };
  countOutcome('ExportsListed', page.exports.length);
  return json(200, {
    exports: await Promise.all(page.exports.map((record) => viewWithLink(links, record))),
    nextCursor: page.next ? encodeCursor(config.cursorSecret, principal.tenant, BINDING, { a: page.next }) : null,
  });
});
