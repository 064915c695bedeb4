/** GET /v1/tokens (admin): the tenant's tokens, newest first, never their values. */
import { tokenStore } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';

const store = tokenStore();

export const handler = route({ scope: 'admin' }, async (_event, { principal }) => {
  const tokens = await store.listTokens(principal.tenant);
  countOutcome('TokensListed', tokens.length);
  return json(200, { tokens });
});
