/**
 * HTTP plumbing shared by every route handler: the middy middleware stack
 * (logger context → metrics → authentication/scope → JSON body → error
 * handler, registered last) and response helpers. Handlers stay three steps:
 * take validated input, call the domain, shape the response.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { DomainError, ForbiddenError, PayloadTooLargeError, ServiceUnavailableError, UnauthorizedError, ValidationError } from '../core/errors.js';
import { nestingOverflow } from '../core/json-depth.js';
import { LIMITS } from '../core/limits.js';
import { decodeRestriction } from '../core/restrictions.js';
import { formatPath, type Restriction, type Scope } from '../core/schemas.js';
import { isTransientAwsError } from './aws-errors.js';
import { logger, MetricUnit, metrics } from './observability.js';

/** What the Lambda authorizer passes on (simple-response context: flat strings). */
export interface AuthorizerContext {
  /** Set when the token was valid. */
  tenant?: string;
  /** Space-separated scopes. */
  scopes?: string;
  tokenId?: string;
  /** The token's name, shown as the actor of the audit events its requests cause. */
  tokenName?: string;
  /** The token's fixed filters, as compact JSON (core/restrictions.ts); absent when unrestricted. */
  restrict?: string;
  /** Set instead: `invalid_token` when the token is unknown, malformed, expired or revoked; `unavailable` when it could not be checked. */
  error?: string;
}

export type ApiEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** The authenticated caller: a token of one tenant. The tenant never comes from the request. */
export interface Principal {
  readonly tenant: string;
  readonly scopes: readonly Scope[];
  readonly tokenId: string;
  /** The token's name (absent from authorizer answers cached before it was passed on). */
  readonly tokenName?: string;
  /** Fixed filters ANDed into every read this caller makes (a restricted token). */
  readonly restrict?: Restriction;
}

/** Lambda context extended by the middlewares. */
export interface ApiContext extends Context {
  principal: Principal;
  body: unknown;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** A JSON response. */
export const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): ApiResult => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** Resolves the principal from the authorizer context and enforces `scope` (admin implies all; `any`: a valid token of any scope). */
const authenticate = (scope: Scope | 'any'): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> => ({
  before: ({ event, context }) => {
    const auth = event.requestContext.authorizer?.lambda;
    if (auth?.error === 'unavailable') throw new ServiceUnavailableError('The token could not be checked right now; please retry the request.');
    if (!auth?.tenant || auth.error) throw new UnauthorizedError();
    const scopes = (auth.scopes ?? '').split(' ').filter(Boolean) as Scope[];
    if (scope !== 'any' && !scopes.includes(scope) && !scopes.includes('admin')) throw new ForbiddenError(scope);
    const restrict = decodeRestriction(auth.restrict);
    context.principal = { tenant: auth.tenant, scopes, tokenId: auth.tokenId ?? '', ...(auth.tokenName ? { tokenName: auth.tokenName } : {}), ...(restrict ? { restrict } : {}) };
    logger.appendKeys({ tenant: auth.tenant, tokenId: auth.tokenId });
  },
});

/** Parses a JSON body within the size limit; 413 beyond it, 400 naming the problem otherwise. */
const jsonBody = (): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> => ({
  before: ({ event, context }) => {
    const raw = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
    if (Buffer.byteLength(raw, 'utf8') > LIMITS.maxBodyBytes) throw new PayloadTooLargeError(`The request body exceeds ${LIMITS.maxBodyBytes} bytes.`);
    const type = event.headers['content-type'] ?? '';
    if (type && !/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
      throw new ValidationError('The request body must be JSON.', [{ path: 'content-type', message: 'must be application/json' }], 'unsupported_media_type');
    }
    if (!raw.trim()) throw new ValidationError('The request body is empty; a JSON object is required.', [{ path: '(body)', message: 'is required' }], 'invalid_json');
    // Before parsing: JSON.parse spends seconds on a megabyte of brackets, and deep values overflow any recursive walk.
    const deep = nestingOverflow(raw, LIMITS.maxBodyNesting, 4);
    if (deep) {
      // The field, not a position inside it: `events[2].changes.after`, `events[0].metadata` (not `.metadata[0]`).
      while (deep.length > 1 && typeof deep.at(-1) === 'number' && typeof deep.at(-2) === 'string') deep.pop();
      throw new ValidationError(`The request body nests objects and arrays more than ${LIMITS.maxBodyNesting} levels deep.`, [
        { path: formatPath(deep), message: `is nested too deeply (metadata and changes may nest ${LIMITS.maxNestingDepth} levels)` },
      ]);
    }
    try {
      context.body = JSON.parse(raw);
    } catch (e) {
      throw new ValidationError('The request body is not valid JSON.', [{ path: '(body)', message: (e as Error).message }], 'invalid_json');
    }
  },
});

/** Seconds a client should wait before retrying a 503. */
const RETRY_AFTER_SECONDS = '1';

/** Maps domain errors to contract errors; anything else is a 500 without internals (logged with the request id). */
const errorHandler = (): MiddlewareObj<ApiEvent, ApiResult, Error, ApiContext> => ({
  onError: (request) => {
    let error = request.error;
    if (isTransientAwsError(error)) {
      logger.warn('dependency unavailable after retries', { error });
      error = new ServiceUnavailableError('The service is busy right now; nothing was lost. Please retry the request.');
    }
    metrics.addMetric(error instanceof DomainError && error.status < 500 ? 'RequestsRejected' : 'RequestsFailed', MetricUnit.Count, 1);
    if (error instanceof DomainError) {
      if (error.status >= 500) logger.error('request failed', { error });
      else logger.info('request rejected', { code: error.code, status: error.status });
      const headers: Record<string, string> = error.status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {};
      request.response = json(error.status, { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } }, headers);
      return;
    }
    logger.error('unexpected error', { error });
    request.response = json(500, { error: { code: 'internal_error', message: 'Something went wrong on our side; it has been logged. Please retry.' } });
  },
});

/** Records the business outcome of a request (one metric per outcome, e.g. `EventsListed`). */
export const countOutcome = (name: string, value = 1): void => {
  metrics.addMetric(name, MetricUnit.Count, value);
};

/** Options of {@link route}. */
export interface RouteOptions {
  /** Scope the caller must hold (`any`: any valid token); omit for public routes. */
  readonly scope?: Scope | 'any';
  /** Parse a JSON body. @default false */
  readonly body?: boolean;
}

/** Wraps a route handler in the standard middleware stack. */
export function route(options: RouteOptions, fn: (event: ApiEvent, context: ApiContext) => Promise<ApiResult>) {
  const handler = middy<ApiEvent, ApiResult, Error, ApiContext>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics));
  if (options.scope) handler.use(authenticate(options.scope));
  if (options.body) handler.use(jsonBody());
  return handler.use(errorHandler()).handler(fn);
}

/**
 * Query-string parameters as an object (from the raw query, since API Gateway joins repeats with
 * commas). `repeatable` keys become arrays; any other key given twice is a 400 naming it, rather
 * than one of its values winning silently. Keys become own properties whatever their name
 * (`constructor`, `__proto__`), so the schemas see and reject unknown ones.
 */
export function queryParams(event: ApiEvent, repeatable: readonly string[] = []): Record<string, string | string[]> {
  const params = new URLSearchParams(event.rawQueryString ?? '');
  const entries: [string, string | string[]][] = [];
  const repeated: string[] = [];
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (repeatable.includes(key)) entries.push([key, values]);
    else if (values.length > 1) repeated.push(key);
    else entries.push([key, values[0]!]);
  }
  if (repeated.length) {
    throw new ValidationError('The query string is invalid.', repeated.map((key) => ({ path: formatPath([key]), message: 'is given more than once; give it once' })));
  }
  return Object.fromEntries(entries);
}
