/** POST /v1/tokens (admin): issue a scoped token; its value is shown once. Audited as `audit_token.created`. */
import { createTokenSchema, parseInput } from '../core/schemas.js';
import { settingsSources, tokenStore, transactions } from '../shared/adapters.js';
import { countOutcome, json, route } from '../shared/http.js';
import { issueToken } from './issue-token.js';

const deps = { ...settingsSources(), tokenStore: tokenStore(), transactions: transactions() };

export const handler = route({ scope: 'admin', body: true }, async (_event, { principal, body }) => {
  const token = await issueToken(deps, principal.tenant, parseInput(createTokenSchema, body, 'token'), principal);
  countOutcome('TokensIssued');
  return json(201, token);
});
