/**
 * Issuing a token together with its `audit_token.created` event (one
 * transaction). Used by POST /v1/tokens, the local runner's demo admin token
 * and the admin CLI, so every token ever issued is in its tenant's log.
 */
import { newTokenId, type TokenStore } from '../adapters/token-store.js';
import type { Transactions } from '../adapters/transactions.js';
import { ValidationError } from '../core/errors.js';
import { narrowRestriction } from '../core/restrictions.js';
import type { CreateTokenInput, Restriction, Viewer } from '../core/schemas.js';
import { auditItem } from '../events/audit-item.js';
import type { SettingsSources } from '../settings/effective-settings.js';
import { tokenAuditInput, type TokenAuditAction } from './audit.js';

/** What issuing a token needs (handlers: from shared/adapters.ts; the admin CLI and the local runner build them). */
export interface TokenIssuerDeps extends SettingsSources {
  readonly tokenStore: Pick<TokenStore, 'createToken'>;
  readonly transactions: Pick<Transactions, 'putAuditEvent'>;
}

/**
 * Issues a token of `tenant`, audited as `action` (`audit_token.created`, or
 * `audit_viewer.session_created` for a viewer session's token) `by` a token or a system
 * actor (e.g. `admin-cli`).
 */
export async function issueToken(
  deps: TokenIssuerDeps,
  tenant: string,
  input: CreateTokenInput & { viewer?: Viewer },
  by: { tokenId: string; tokenName?: string; restrict?: Restriction } | { system: string },
  action: Exclude<TokenAuditAction, 'audit_token.revoked'> = 'audit_token.created',
) {
  // A restricted token can only issue tokens restricted at least as much: it cannot widen its own view.
  const { restrict, conflict } = narrowRestriction('system' in by ? undefined : by.restrict, input.restrict);
  if (conflict) {
    throw new ValidationError('The token is invalid.', [{ path: `restrict.${conflict}`, message: 'must be the value your own token is restricted to' }]);
  }
  input = { ...input, ...(restrict ? { restrict } : {}) };
  const id = newTokenId();
  const audit = await auditItem(deps, tenant, tokenAuditInput(action, { id, ...input }, by));
  return deps.tokenStore.createToken({ id, tenant, ...input }, [deps.transactions.putAuditEvent(audit)]);
}
