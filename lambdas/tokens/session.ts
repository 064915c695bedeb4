/**
 * GET /v1/session (any valid token): what the caller's own token is — name, scopes, fixed
 * filters, expiry and, for a viewer session, whom it was issued to. The web viewer asks it
 * which screens to show; any client may use it to check a token.
 */
import { UnauthorizedError } from '../core/errors.js';
import { tokenStore } from '../shared/adapters.js';
import { json, route } from '../shared/http.js';

const store = tokenStore();

export const handler = route({ scope: 'any' }, async (_event, { principal }) => {
  const token = await store.getToken(principal.tenant, principal.tokenId);
  // Revoked or expired since the authorizer's cached answer: say so now rather than in up to a minute.
  if (!token || token.revokedAt || (token.expiresAt && Date.parse(token.expiresAt) <= Date.now())) throw new UnauthorizedError();
  const { id, name, scopes, restrict, expiresAt, viewer, createdAt } = token;
  return json(200, { tokenId: id, name, scopes, createdAt, ...(restrict ? { restrict } : {}), ...(expiresAt ? { expiresAt } : {}), ...(viewer ? { viewer } : {}) });
});
