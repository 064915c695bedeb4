/** GET /v1/events/{id}: one whole event; 404 when absent, expired, or another tenant's (scope events:read). */
import { NotFoundError } from '../core/errors.js';
import { fromItem } from '../core/keys.js';
import { filterConditions, matchesConditions, retentionStart } from '../core/query-plan.js';
import { EVENT_ID } from '../core/schemas.js';
import { eventStore, settingsSources } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { effectiveSettings } from '../settings/effective-settings.js';

const events = eventStore();
const sources = settingsSources();

export const handler = route({ scope: 'events:read' }, async (event, { principal }) => {
  const id = event.pathParameters?.id ?? '';
  if (!EVENT_ID.test(id)) throw new NotFoundError('Event');
  const [item, settings] = await Promise.all([events.getEventItem(principal.tenant, id), effectiveSettings(sources, principal.tenant)]);
  const now = Date.now();
  // Past retention means gone, even before TTL physically deletes the item.
  if (!item || item.expiresAt <= now / 1000 || item.s < retentionStart(now, settings.retentionDays)) throw new NotFoundError('Event');
  // Outside the token's restriction, the event does not exist for this caller.
  if (principal.restrict && !matchesConditions(item, filterConditions(principal.tenant, principal.restrict))) throw new NotFoundError('Event');
  countOutcome('EventsFetched');
  return json(200, fromItem(item));
});
