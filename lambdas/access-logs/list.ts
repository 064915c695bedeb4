/** GET /v1/access-logs: sign-ins grouped by actor, IP and user agent within 60 minutes (scope events:read). */
import { accessLogsQuerySchema, parseInput } from '../core/schemas.js';
import { eventStore, settingsSources } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome, json, queryParams, route } from '../shared/http.js';
import { listAccessLogs } from './list-access-logs.js';

const deps = { ...settingsSources(), eventStore: eventStore(), cursorSecret: config.cursorSecret };

export const handler = route({ scope: 'events:read' }, async (event, { principal }) => {
  const { limit, cursor, ...filter } = parseInput(accessLogsQuerySchema, queryParams(event), 'query string');
  const page = await listAccessLogs(deps, principal.tenant, filter, { limit, cursor }, principal.restrict);
  countOutcome('AccessLogGroupsListed', page.groups.length);
  return json(200, page);
});
