/** POST /v1/events: record one event or a batch of up to 100 (scope events:write). */
import { eventStore, settingsSources } from '../shared/adapters.js';
import { json, route } from '../shared/http.js';
import { recordEvents } from './record-events.js';

const deps = { ...settingsSources(), eventStore: eventStore() };

export const handler = route({ scope: 'events:write', body: true }, async (_event, { principal, body }) => {
  const result = await recordEvents(deps, principal.tenant, body);
  return json(201, result);
});
