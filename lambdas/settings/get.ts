/** GET /v1/settings (admin): retention and recording switches, with the stack's bounds. */
import { settingsSources } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome, json, route } from '../shared/http.js';
import { effectiveSettings } from './effective-settings.js';

const sources = settingsSources();

export const handler = route({ scope: 'admin' }, async (_event, { principal }) => {
  // Read, not cached: an admin sees what is stored, including a change just made elsewhere.
  const { retentionDays, recording } = await effectiveSettings(sources, principal.tenant, { fresh: true });
  countOutcome('SettingsRead');
  return json(200, { retentionDays, recording, defaultRetentionDays: config.retentionDays, maxRetentionDays: config.maxRetentionDays });
});
