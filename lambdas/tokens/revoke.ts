/**
 * DELETE /v1/tokens/{id} (admin): revoke a token; it stops working within 60 s
 * (authorizer caches). Audited as `audit_token.revoked`. Revoking again is a
 * no-op that returns the token; another tenant's id is a 404.
 */
import { NotFoundError } from '../core/errors.js';
import { auditItem } from '../events/audit-item.js';
import { settingsSources, tokenStore, transactions } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { tokenAuditInput } from './audit.js';

const tokens = tokenStore();
const sources = settingsSources();
const { putAuditEvent } = transactions();

export const handler = route({ scope: 'admin' }, async (event, { principal }) => {
  const token = await tokens.getToken(principal.tenant, event.pathParameters?.id ?? '');
  if (!token) throw new NotFoundError('Token');
  if (token.revokedAt) {
    countOutcome('TokensAlreadyRevoked');
    return json(200, token);
  }
  const revokedAt = new Date().toISOString();
  const audit = await auditItem(sources, principal.tenant, tokenAuditInput('audit_token.revoked', token, principal));
  await tokens.revokeToken(principal.tenant, token.id, revokedAt, [putAuditEvent(audit)]);
  countOutcome('TokensRevoked');
  return json(200, { ...token, revokedAt });
});
