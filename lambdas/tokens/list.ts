/** GET /v1/tokens (admin): the tenant's tokens, newest first, never their values. */
import { listTokens } from '../adapters/token-store.js';
import { json, route } from '../shared/http.js';

export const handler = route({ scope: 'admin' }, async (_event, { principal }) => {
  return json(200, { tokens: await listTokens(principal.tenant) });
});
