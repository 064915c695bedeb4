/** GET /v1/events: filtered, searchable, newest-first pages (scope events:read). */
import { listEventsQuerySchema, parseInput } from '../core/schemas.js';
import { eventStore, settingsSources } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome, json, queryParams, route } from '../shared/http.js';
import { listEvents } from './list-events.js';

const deps = { ...settingsSources(), eventStore: eventStore(), cursorSecret: config.cursorSecret };

export const handler = route({ scope: 'events:read' }, async (event, { principal }) => {
  const { limit, cursor, ...filter } = parseInput(listEventsQuerySchema, queryParams(event, ['action']), 'query string');
  const { events, nextCursor } = await listEvents(deps, principal.tenant, filter, { limit, cursor }, principal.restrict);
  countOutcome('EventsListed', events.length);
  return json(200, { events, nextCursor });
});
