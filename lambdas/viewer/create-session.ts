/**
 * POST /v1/viewer-sessions (admin): a short-lived token for one person of the host
 * application, optionally restricted (e.g. one project's history), and the web viewer's
 * link signed in with it. The host's backend calls this and hands `url` to its user.
 * Audited as `audit_viewer.session_created`; the token is listed and revocable like any.
 */
import { createViewerSessionSchema, parseInput } from '../core/schemas.js';
import { requestOrigin, viewerSignInUrl } from '../core/viewer.js';
import { settingsSources, tokenStore, transactions } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { issueToken } from '../tokens/issue-token.js';

const deps = { ...settingsSources(), tokenStore: tokenStore(), transactions: transactions() };

export const handler = route({ scope: 'admin', body: true }, async (event, { principal, body }) => {
  const { viewer, scopes, restrict, ttlSeconds } = parseInput(createViewerSessionSchema, body, 'viewer session');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000).toISOString();
  const name = `Viewer session: ${viewer.name ?? viewer.id}`.slice(0, 128);
  const token = await issueToken(deps, principal.tenant, { name, scopes, expiresAt, viewer, ...(restrict ? { restrict } : {}) }, principal, 'audit_viewer.session_created');
  countOutcome('ViewerSessionsCreated');
  const url = viewerSignInUrl(requestOrigin(event.headers, event.requestContext.domainName), token.token);
  return json(201, { token: token.token, url, expiresAt, tokenId: token.id, scopes: token.scopes, ...(token.restrict ? { restrict: token.restrict } : {}), viewer });
});
