/** GET /v1/events: filtered, searchable, newest-first pages; with receivedFrom, oldest first by receivedAt (scope events:read). */
import { listEventsQuerySchema, parseInput } from '../core/schemas.js';
import { eventStore, settingsSources } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome, json, queryParams, route } from '../shared/http.js';
import { catchUpEvents, listEvents } from './list-events.js';

const deps = { ...settingsSources(), eventStore: eventStore(), cursorSecret: config.cursorSecret };

export const handler = route({ scope: 'events:read' }, async (event, { principal }) => {
  const { limit, cursor, receivedFrom, ...filter } = parseInput(listEventsQuerySchema, queryParams(event, ['action']), 'query string');
  const { events, nextCursor } = receivedFrom
    ? await catchUpEvents(deps, principal.tenant, filter, receivedFrom, { limit, cursor }, principal.restrict)
    : await listEvents(deps, principal.tenant, filter, { limit, cursor }, principal.restrict);
  countOutcome('EventsListed', events.length);
  return json(200, { events, nextCursor });
});
