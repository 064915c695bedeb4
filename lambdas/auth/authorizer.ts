/**
 * The HTTP API's Lambda authorizer (simple responses): bearer token → tenant +
 * scopes. Results are cached by API Gateway (30 s, per token) and here (25 s by
 * default), so a revoked or expired token stops working within 60 s.
 *
 * It answers `isAuthorized: true` even for a bad token, with `context.error`
 * set: HTTP APIs cannot customise the authorizer's deny response (always
 * `403 {"message":"Forbidden"}`), and the contract promises `401` with our
 * error shape. Every route runs the `authenticate` middleware
 * (shared/http.ts) first, which turns `context.error` into that 401 before
 * any work is done, and enforces scopes (403).
 *
 * When the token lookup keeps failing after the SDK's retries (DynamoDB throttling or
 * 5xx), it answers `context.error = 'unavailable'`, which the middleware turns into
 * 503 with `Retry-After` (an authorizer that throws makes API Gateway answer a bare
 * 500). That answer is not cached here; API Gateway caches it like any other for its
 * TTL, so that token may see 503 for up to 30 s.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import type { TokenInfo } from '../adapters/token-store.js';
import { encodeRestriction } from '../core/restrictions.js';
import { tokenStore } from '../shared/adapters.js';
import { config } from '../shared/config.js';
import { isTransientAwsError } from '../shared/aws-errors.js';
import type { AuthorizerContext } from '../shared/http.js';
import { logger } from '../shared/observability.js';

type Result = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext>;

const INVALID: Result = { isAuthorized: true, context: { error: 'invalid_token' } };
const UNAVAILABLE: Result = { isAuthorized: true, context: { error: 'unavailable' } };
const CACHE_LIMIT = 10_000;
const cache = new Map<string, { until: number; result: Result }>();
const tokens = tokenStore();

export const handler = async (event: APIGatewayRequestAuthorizerEventV2): Promise<Result> => {
  const header = event.headers?.authorization ?? event.identitySource?.[0] ?? '';
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token) return INVALID;
  const now = Date.now();
  const hit = cache.get(token);
  if (hit && hit.until > now) return hit.result;

  let info: TokenInfo | undefined;
  try {
    info = await tokens.verifyToken(token);
  } catch (error) {
    if (!isTransientAwsError(error)) throw error;
    logger.warn('token lookup unavailable after retries', { error });
    return UNAVAILABLE;
  }
  const restrict = encodeRestriction(info?.restrict);
  const result: Result = info
    ? { isAuthorized: true, context: { tenant: info.tenant, scopes: info.scopes.join(' '), tokenId: info.id, tokenName: info.name, ...(restrict ? { restrict } : {}) } }
    : INVALID;
  if (!info) logger.info('rejected token', { reason: 'unknown, malformed, expired or revoked' });
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(token, { until: now + config.tokenCacheSeconds * 1000, result });
  return result;
};
