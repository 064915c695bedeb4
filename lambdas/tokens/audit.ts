/** Audit events of token administration, written in the same transaction as the change. */
import type { TokenInfo } from '../adapters/token-store.js';
import type { EventInput } from '../core/schemas.js';
import type { Principal } from '../shared/http.js';
import { tokenActor } from '../events/audit-item.js';

/** What a token's audit event records: issuing (a token, or a viewer session's token) and revoking. */
export type TokenAuditAction = 'audit_token.created' | 'audit_viewer.session_created' | 'audit_token.revoked';

/** What the event says, in words a reader of the log understands (the derived message would name the token by id). */
const MESSAGES: Readonly<Record<TokenAuditAction, (token: Pick<TokenInfo, 'name' | 'viewer'>) => string>> = {
  'audit_token.created': (t) => `API token "${t.name}" created`,
  'audit_viewer.session_created': (t) => `Viewer session created for ${t.viewer?.name ?? t.viewer?.id ?? t.name}`,
  'audit_token.revoked': (t) => `API token "${t.name}" revoked`,
};

/** The event input recording `action` on `token` by `by` (a token, or a system actor such as the admin CLI). */
export function tokenAuditInput(action: TokenAuditAction, token: Pick<TokenInfo, 'id' | 'name' | 'scopes' | 'expiresAt' | 'restrict' | 'viewer'>, by: Pick<Principal, 'tokenId' | 'tokenName'> | { system: string }): EventInput {
  return {
    action,
    actor: 'system' in by ? { type: 'system', id: by.system } : tokenActor(by),
    resource: { type: 'audit_token', id: token.id, name: token.name },
    result: 'success',
    severity: 'notice',
    message: MESSAGES[action](token),
    metadata: { scopes: token.scopes, ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}), ...(token.restrict ? { restrict: token.restrict } : {}), ...(token.viewer ? { viewer: token.viewer } : {}) },
  };
}
