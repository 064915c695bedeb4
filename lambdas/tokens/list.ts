/** GET /v1/tokens (admin): the tenant's tokens, newest first, never their values. */
import { listTokens } from '../adapters/token-store.js';
import { countOutcome, json, route } from '../shared/http.js';

export const handler = route({ scope: 'admin' }, async (_event, { principal }) => {
  const tokens = await listTokens(principal.tenant);
  countOutcome('TokensListed', tokens.length);
  return json(200, { tokens });
});
