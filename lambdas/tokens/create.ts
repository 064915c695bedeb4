/** POST /v1/tokens (admin): issue a scoped token; its value is shown once. Audited as `audit_token.created`. */
import { createToken, newTokenId } from '../adapters/token-store.js';
import { putAuditEvent } from '../adapters/transactions.js';
import { createTokenSchema, parseInput } from '../core/schemas.js';
import { auditItem } from '../events/record-events.js';
import { json, route } from '../shared/http.js';
import { tokenAuditInput } from './audit.js';

export const handler = route({ scope: 'admin', body: true }, async (_event, { principal, body }) => {
  const input = parseInput(createTokenSchema, body, 'token');
  const id = newTokenId();
  const audit = await auditItem(principal.tenant, tokenAuditInput('audit_token.created', { id, ...input }, principal));
  const token = await createToken({ id, tenant: principal.tenant, ...input }, [putAuditEvent(audit)]);
  return json(201, token);
});
