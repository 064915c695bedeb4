/** Audit events of token administration, written in the same transaction as the change. */
import type { TokenInfo } from '../adapters/token-store.js';
import type { EventInput } from '../core/schemas.js';
import type { Principal } from '../shared/http.js';

/** The event input recording `action` on `token` by `by` (a token, or a system actor such as the admin CLI). */
export function tokenAuditInput(action: 'audit_token.created' | 'audit_token.revoked', token: Pick<TokenInfo, 'id' | 'name' | 'scopes' | 'expiresAt' | 'restrict'>, by: Pick<Principal, 'tokenId'> | { system: string }): EventInput {
  return {
    action,
    actor: 'system' in by ? { type: 'system', id: by.system } : { type: 'api_token', id: by.tokenId },
    resource: { type: 'audit_token', id: token.id, name: token.name },
    result: 'success',
    severity: 'notice',
    metadata: { scopes: token.scopes, ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}), ...(token.restrict ? { restrict: token.restrict } : {}) },
  };
}
