/**
 * PUT /v1/settings (admin): set the retention override (≤ MaxRetentionDays)
 * and/or the recording switches; omitted fields keep their value. Audited as
 * `audit_settings.updated` with before/after, in the same transaction.
 */
import { ValidationError } from '../core/errors.js';
import { parseInput, putSettingsSchema } from '../core/schemas.js';
import { auditItem, tokenActor } from '../events/audit-item.js';
import { settingsSources, transactions } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { countOutcome, json, route } from '../shared/http.js';
import { effectiveSettings } from './effective-settings.js';

const sources = settingsSources();
const { putAuditEvent } = transactions();

export const handler = route({ scope: 'admin', body: true }, async (_event, { principal, body }) => {
  const patch = parseInput(putSettingsSchema, body, 'settings');
  if (patch.retentionDays !== undefined && patch.retentionDays > config.maxRetentionDays) {
    throw new ValidationError('The settings are invalid.', [{ path: 'retentionDays', message: `must be at most ${config.maxRetentionDays} (the stack's MaxRetentionDays)` }]);
  }
  // Read, not cached: the audit event's `before` and the merged result are what is stored.
  const before = await effectiveSettings(sources, principal.tenant, { fresh: true });
  const after = { retentionDays: patch.retentionDays ?? before.retentionDays, recording: patch.recording ?? before.recording };
  const audit = await auditItem(sources, principal.tenant, {
    action: 'audit_settings.updated',
    actor: tokenActor(principal),
    resource: { type: 'settings', id: principal.tenant },
    result: 'success',
    severity: 'notice',
    changes: { before: { retentionDays: before.retentionDays, recording: before.recording }, after },
  }, before);
  await sources.settingsStore.saveSettings(principal.tenant, patch, [putAuditEvent(audit)]);
  countOutcome('SettingsUpdated');
  return json(200, { ...after, defaultRetentionDays: config.retentionDays, maxRetentionDays: config.maxRetentionDays });
});
