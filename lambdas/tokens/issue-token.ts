/**
 * Issuing a token together with its `audit_token.created` event (one
 * transaction). Used by POST /v1/tokens, the local runner's demo admin token
 * and the admin CLI, so every token ever issued is in its tenant's log.
 */
import { createToken, newTokenId } from '../adapters/token-store.js';
import { putAuditEvent } from '../adapters/transactions.js';
import type { CreateTokenInput } from '../core/schemas.js';
import { auditItem } from '../events/audit-item.js';
import { tokenAuditInput } from './audit.js';

/** Issues a token of `tenant`, audited as created `by` a token or a system actor (e.g. `admin-cli`). */
export async function issueToken(tenant: string, input: CreateTokenInput, by: { tokenId: string } | { system: string }) {
  const id = newTokenId();
  const audit = await auditItem(tenant, tokenAuditInput('audit_token.created', { id, ...input }, by));
  return createToken({ id, tenant, ...input }, [putAuditEvent(audit)]);
}
