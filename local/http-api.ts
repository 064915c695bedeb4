/**
 * A local stand-in for the API Gateway HTTP API (payload format 2.0): matches the
 * routes of `lib/catalogue.ts`, runs the Lambda authorizer (with its result cache),
 * builds the same events API Gateway sends and invokes the very same handler modules.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type {
  APIGatewayEventRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayRequestAuthorizerEventV2,
  Context,
} from 'aws-lambda';
import { AUTHORIZER_ENTRY, ROUTES, routeKey, type RouteSpec } from '../lib/catalogue.js';
import { LOCAL_ACCOUNT } from './env.js';
import { referencedFunction, resourcesOfType, shortLogicalId, type CfnTemplate } from './template.js';

/** API Gateway's own limit on request bodies. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invocation's request and response payloads. */
const MAX_LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** API Gateway's maximum integration timeout. */
const API_TIMEOUT_SECONDS = 30;

/** What a Lambda function looks like from the outside: its name and limits. */
export interface FunctionSettings {
  readonly name: string;
  /** @default 3 (Lambda's default) */
  readonly timeoutSeconds: number;
  /** @default 128 (Lambda's default) */
  readonly memoryMb: number;
}

/** The `CorsConfiguration` of the HTTP API. */
export interface CorsSettings {
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAge?: number;
  readonly allowCredentials: boolean;
}

/** Everything the emulation takes from the template. */
export interface ApiSettings {
  readonly authorizer: {
    /** `AuthorizerResultTtlInSeconds`; 0 disables the cache. */
    readonly cacheTtlSeconds: number;
    /** e.g. `['$request.header.Authorization']` */
    readonly identitySource: readonly string[];
    readonly fn: FunctionSettings;
  };
  /** The API's CORS configuration; a permissive one when the template has none. */
  readonly cors: CorsSettings;
  /** Function settings by route key (`GET /v1/events/{id}`). */
  readonly functions: Readonly<Record<string, FunctionSettings>>;
  /** Differences between `lib/catalogue.ts` and the template worth telling the developer. */
  readonly warnings: readonly string[];
}

const PERMISSIVE_CORS: CorsSettings = {
  allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [], allowCredentials: false,
};

/** A Lambda function's name and limits from its template resource (Lambda's defaults where unset). */
export function functionSettings(template: CfnTemplate, logicalId: string | undefined): FunctionSettings {
  const p = logicalId ? template.Resources[logicalId]?.Properties ?? {} : {};
  return {
    name: typeof p.FunctionName === 'string' ? p.FunctionName : `AuditLog-${shortLogicalId(logicalId ?? 'Function')}`,
    timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
    memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
  };
}

/** Logical ids of the resources of `type` that `value` references with `Ref`. */
function refsTo(template: CfnTemplate, value: unknown, type: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return template.Resources[ref]?.Type === type ? [ref] : [];
  return Object.values(value).flatMap((v) => refsTo(template, v, type));
}

/** Reads the authorizer, CORS and per-route function settings from the template. */
export function apiSettingsFromTemplate(template: CfnTemplate, routes: readonly RouteSpec[] = ROUTES): ApiSettings {
  const warnings: string[] = [];
  const [, authz] = resourcesOfType(template, 'AWS::ApiGatewayV2::Authorizer')[0] ?? [];
  const [, api] = resourcesOfType(template, 'AWS::ApiGatewayV2::Api')[0] ?? [];
  const cfnCors = api?.Properties?.CorsConfiguration;
  const functions: Record<string, FunctionSettings> = {};
  const templateKeys = new Set<string>();
  for (const [, route] of resourcesOfType(template, 'AWS::ApiGatewayV2::Route')) {
    const key = route.Properties?.RouteKey;
    if (typeof key !== 'string') continue;
    templateKeys.add(key);
    const integration = refsTo(template, route.Properties?.Target, 'AWS::ApiGatewayV2::Integration')[0];
    const fn = integration && referencedFunction(template, template.Resources[integration].Properties?.IntegrationUri);
    functions[key] = functionSettings(template, fn);
    const spec = routes.find((r) => routeKey(r) === key);
    const templatePublic = (route.Properties?.AuthorizationType ?? 'NONE') === 'NONE';
    if (spec && Boolean(spec.trigger.public) !== templatePublic) {
      warnings.push(`route ${key} is ${spec.trigger.public ? '' : 'not '}public in lib/catalogue.ts but ${templatePublic ? 'has no' : 'has an'} authorizer in the template`);
    }
  }
  if (templateKeys.size > 0) {
    for (const r of routes) {
      if (!templateKeys.has(routeKey(r))) warnings.push(`route ${routeKey(r)} is missing from the template`);
    }
  }
  return {
    authorizer: {
      cacheTtlSeconds: authz?.Properties?.AuthorizerResultTtlInSeconds ?? 30,
      identitySource: authz?.Properties?.IdentitySource ?? ['$request.header.Authorization'],
      fn: functionSettings(template, referencedFunction(template, authz?.Properties?.AuthorizerUri)),
    },
    cors: cfnCors
      ? {
          allowOrigins: cfnCors.AllowOrigins ?? [],
          allowMethods: cfnCors.AllowMethods ?? [],
          allowHeaders: cfnCors.AllowHeaders ?? [],
          exposeHeaders: cfnCors.ExposeHeaders ?? [],
          maxAge: cfnCors.MaxAge,
          allowCredentials: cfnCors.AllowCredentials ?? false,
        }
      : PERMISSIVE_CORS,
    functions,
    warnings,
  };
}

/** Options of {@link startHttpApi}. */
export interface HttpApiOptions {
  /** Project root; route entries are relative to it. */
  readonly root: string;
  readonly settings: ApiSettings;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Overrides the template's authorizer cache TTL. */
  readonly authCacheTtlSeconds?: number;
  /** No per-request log lines. Handler crashes are still printed. @default false */
  readonly quiet?: boolean;
  /** @default the HTTP functions of lib/catalogue.ts */
  readonly routes?: readonly RouteSpec[];
  /** @default the authorizer of lib/catalogue.ts */
  readonly authorizerEntry?: string;
}

/** A running local HTTP API. */
export interface LocalHttpApi {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Imports every handler module now (instead of on first use) and reports failures. */
  preload(): Promise<void>;
  stop(): Promise<void>;
}

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type AuthorizerResult = { isAuthorized: boolean; context?: Record<string, unknown> };

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly routeKey: string;
  readonly pattern: RegExp;
  readonly params: string[];
  /** Literal segments count first in API Gateway's "most specific route wins". */
  readonly literals: number;
}

function compile(spec: RouteSpec): CompiledRoute {
  const params: string[] = [];
  let literals = 0;
  const source = spec.trigger.path.split('/').map((segment) => {
    const m = /^\{(\w+)(\+)?\}$/.exec(segment);
    if (!m) {
      literals++;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    params.push(m[1]);
    return m[2] ? '(.+)' : '([^/]+)';
  }).join('/');
  return { spec, routeKey: routeKey(spec), pattern: new RegExp(`^${source}$`), params, literals };
}

/** Query string → API Gateway's `queryStringParameters`: decoded, repeated keys joined with commas. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const out: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    out[key] = key in out ? `${out[key]},${value}` : value;
  }
  return Object.keys(out).length ? out : undefined;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `22/Nov/2026:09:15:00 +0000`, API Gateway's `requestContext.time`. */
function clf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

const TEXT_TYPES = /^(text\/|application\/([\w.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)|multipart\/form-data)|^$/i;

/**
 * A Lambda context for one invocation of `fn` ending at `deadline` (epoch ms): fresh
 * request id, the function's name, memory and ARN, `getRemainingTimeInMillis`.
 */
export function lambdaContext(fn: FunctionSettings, deadline: number): Context {
  const requestId = randomUUID();
  const unsupported = () => { throw new Error('callback-style Lambda context methods are not supported locally'); };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${LOCAL_ACCOUNT}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Starts the local HTTP API on 127.0.0.1. Behaves like API Gateway where a client can
 * tell: 404 `{"message":"Not Found"}` for unknown routes, 401 without the identity
 * source (the authorizer is not called), 403 when the authorizer denies, 500 when a
 * handler throws, 413 over 10 MB, CORS preflights answered by the gateway itself.
 */
export async function startHttpApi(opts: HttpApiOptions): Promise<LocalHttpApi> {
  const { settings } = opts;
  const routes = (opts.routes ?? ROUTES).map(compile).sort((a, b) => b.literals - a.literals);
  const authorizerEntry = opts.authorizerEntry ?? AUTHORIZER_ENTRY;
  const cacheTtlMs = (opts.authCacheTtlSeconds ?? settings.authorizer.cacheTtlSeconds) * 1000;
  const authCache = new Map<string, { result: AuthorizerResult; expires: number }>();
  const modules = new Map<string, Promise<Handler>>();

  const load = (entry: string): Promise<Handler> => {
    let mod = modules.get(entry);
    if (!mod) {
      mod = import(pathToFileURL(resolve(opts.root, entry)).href).then((m) => {
        if (typeof m.handler !== 'function') throw new Error(`${entry} does not export a handler function`);
        return m.handler as Handler;
      });
      modules.set(entry, mod);
      mod.catch(() => modules.delete(entry)); // retry the import on the next request
    }
    return mod;
  };

  /** Invokes a handler like Lambda: fresh context, the function's timeout, payload limits. */
  const invoke = async (entry: string, fn: FunctionSettings, event: unknown): Promise<unknown> => {
    if (Buffer.byteLength(JSON.stringify(event)) > MAX_LAMBDA_PAYLOAD_BYTES) {
      throw new HttpError(413, 'Request Entity Too Large');
    }
    const handler = await load(entry);
    const timeoutMs = Math.min(fn.timeoutSeconds, API_TIMEOUT_SECONDS) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(fn.timeoutSeconds >= API_TIMEOUT_SECONDS
        ? new HttpError(503, 'Service Unavailable')
        : new Error(`${fn.name} timed out after ${fn.timeoutSeconds} s`)), timeoutMs);
    });
    try {
      return await Promise.race([handler(event, lambdaContext(fn, Date.now() + fn.timeoutSeconds * 1000)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const identity = (source: string, headers: Record<string, string>, query: Record<string, string> | undefined) => {
    const m = /^\$request\.(header|querystring)\.(.+)$/.exec(source);
    if (!m) return 'local'; // $context / $stageVariables sources are always present locally
    return m[1] === 'header' ? headers[m[2].toLowerCase()] : query?.[m[2]];
  };

  /** Runs (or recalls) the authorizer; returns its context or throws 401/403. */
  const authorize = async (event: APIGatewayRequestAuthorizerEventV2): Promise<Record<string, unknown>> => {
    const key = JSON.stringify(event.identitySource);
    const cached = authCache.get(key);
    let result = cached && cached.expires > Date.now() ? cached.result : undefined;
    if (!result) {
      const out = (await invoke(authorizerEntry, settings.authorizer.fn, event)) as AuthorizerResult | undefined;
      if (typeof out?.isAuthorized !== 'boolean') throw new Error('authorizer returned no boolean isAuthorized (simple response expected)');
      result = out;
      if (cacheTtlMs > 0) authCache.set(key, { result, expires: Date.now() + cacheTtlMs });
    }
    if (!result.isAuthorized) throw new HttpError(403, 'Forbidden');
    return structuredClone(result.context ?? {}); // each event gets its own copy, as over the wire
  };

  const server = createServer((req, res) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const done = (status: number) => {
        if (!opts.quiet) console.log(`${req.method} ${req.url} ${status} ${Date.now() - started}ms`);
      };
      handle(req, res, size > MAX_BODY_BYTES ? null : Buffer.concat(chunks))
        .then(done, (err) => {
          console.error(`local API: ${req.method} ${req.url} failed:`, err);
          if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
          else res.destroy();
          done(500);
        });
    });
  });

  const cors = settings.cors;
  const originAllowed = (origin: string) => cors.allowOrigins.includes('*') || cors.allowOrigins.includes(origin);
  const corsHeaders = (origin: string | undefined): Record<string, string> => {
    if (!origin || !originAllowed(origin)) return {};
    const h: Record<string, string> = {
      'access-control-allow-origin': cors.allowOrigins.includes('*') && !cors.allowCredentials ? '*' : origin,
    };
    if (cors.allowCredentials) h['access-control-allow-credentials'] = 'true';
    if (cors.exposeHeaders.length) h['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    return h;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer | null): Promise<number> {
    const requestId = randomBytes(10).toString('base64').replace(/=+$/, '');
    const base = { 'apigw-requestid': requestId, ...corsHeaders(req.headers.origin) };
    const reply = (status: number, message: string) => {
      send(res, status, { message }, base);
      return status;
    };
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQueryString = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';

    // CORS preflight: answered by API Gateway itself, before routing and authorization.
    if (method === 'OPTIONS' && req.headers.origin && req.headers['access-control-request-method']) {
      const origin = req.headers.origin;
      if (!originAllowed(origin)) {
        res.writeHead(204, base).end();
        return 204;
      }
      const requested = String(req.headers['access-control-request-method']);
      const headers: Record<string, string> = {
        ...base,
        'access-control-allow-methods': cors.allowMethods.includes('*') ? requested : cors.allowMethods.join(','),
        'access-control-allow-headers': cors.allowHeaders.includes('*')
          ? String(req.headers['access-control-request-headers'] ?? '')
          : cors.allowHeaders.join(','),
      };
      if (cors.maxAge !== undefined) headers['access-control-max-age'] = String(cors.maxAge);
      res.writeHead(204, headers).end();
      return 204;
    }
    if (body === null) return reply(413, 'Request Entity Too Large');

    let match: { route: CompiledRoute; values: RegExpExecArray } | undefined;
    for (const route of routes) {
      const values = route.spec.trigger.method === method ? route.pattern.exec(rawPath) : null;
      if (values) {
        match = { route, values };
        break;
      }
    }
    if (!match) return reply(404, 'Not Found');
    const { route, values } = match;

    const headers: Record<string, string> = {};
    for (const [name, list] of Object.entries(req.headersDistinct)) {
      if (list && name !== 'cookie') headers[name] = list.join(',');
    }
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${sourceIp}` : sourceIp;
    headers['x-forwarded-port'] = String(req.socket.localPort);
    headers['x-forwarded-proto'] = 'http';
    const cookies = req.headers.cookie?.split(/;\s*/).filter(Boolean);
    const queryStringParameters = queryParameters(rawQueryString);
    const pathParameters = route.params.length
      ? Object.fromEntries(route.params.map((name, i) => [name, decode(values[i + 1])]))
      : undefined;
    const now = new Date();
    const domainName = (headers.host ?? '127.0.0.1').replace(/:\d+$/, '');
    const requestContext: APIGatewayEventRequestContextV2 = {
      accountId: LOCAL_ACCOUNT,
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: clf(now),
      timeEpoch: now.getTime(),
    };
    const common = { version: '2.0', routeKey: route.routeKey, rawPath, rawQueryString, cookies, headers, queryStringParameters, pathParameters };

    let authorizer: { lambda: Record<string, unknown> } | undefined;
    if (!route.spec.trigger.public) {
      const identitySource = settings.authorizer.identitySource.map((s) => identity(s, headers, queryStringParameters));
      if (identitySource.some((v) => !v)) return reply(401, 'Unauthorized');
      try {
        authorizer = {
          lambda: await authorize({
            ...common,
            cookies: cookies ?? [],
            type: 'REQUEST',
            routeArn: `arn:aws:execute-api:us-east-1:${LOCAL_ACCOUNT}:local/$default/${method}${rawPath}`,
            identitySource: identitySource as string[],
            requestContext,
          }),
        };
      } catch (err) {
        if (err instanceof HttpError) return reply(err.status, err.message);
        console.error(`local API: authorizer failed for ${method} ${url}:`, err);
        return reply(500, 'Internal Server Error');
      }
    }

    const contentType = headers['content-type'] ?? '';
    const isText = TEXT_TYPES.test(contentType.split(';')[0].trim());
    const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: unknown } } = {
      ...common,
      body: body.length ? body.toString(isText ? 'utf8' : 'base64') : undefined,
      isBase64Encoded: body.length > 0 && !isText,
      requestContext: authorizer ? { ...requestContext, authorizer } : requestContext,
    };

    let result: unknown;
    try {
      result = await invoke(route.spec.entry, settings.functions[route.routeKey] ?? functionSettings({ Resources: {} }, route.spec.id), event);
    } catch (err) {
      if (err instanceof HttpError) return reply(err.status, err.message);
      console.error(`local API: handler ${route.spec.entry} failed for ${method} ${url}:`, err);
      return reply(500, 'Internal Server Error');
    }
    return writeResult(res, result, base);
  }

  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolvePort((server.address() as { port: number }).port));
  });

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async preload() {
      const entries = [authorizerEntry, ...routes.map((r) => r.spec.entry)];
      await Promise.all(entries.map((e) => load(e).catch((err) => console.error(`local API: cannot load ${e}:`, err))));
    },
    stop: () => new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    }),
  };
}

/**
 * Writes a handler's result the way API Gateway maps payload format 2.0 responses:
 * an object with `statusCode` is taken as the response; anything else becomes a 200
 * JSON body. An invalid response is a 500.
 */
function writeResult(res: ServerResponse, result: unknown, base: Record<string, string>): number {
  const r = result as { statusCode?: unknown; headers?: Record<string, unknown>; cookies?: string[]; body?: unknown; isBase64Encoded?: boolean };
  let status = 200;
  let headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  let body: Buffer;
  if (r !== null && typeof r === 'object' && 'statusCode' in r) {
    status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      console.error('local API: handler returned an invalid statusCode:', r.statusCode);
      return writeError(res, base);
    }
    headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    if (r.cookies?.length) headers['set-cookie'] = r.cookies;
    const raw = r.body === undefined || r.body === null ? '' : String(r.body);
    body = Buffer.from(raw, r.isBase64Encoded ? 'base64' : 'utf8');
  } else {
    body = Buffer.from(typeof result === 'string' ? result : JSON.stringify(result ?? null));
  }
  if (body.length > MAX_LAMBDA_PAYLOAD_BYTES) {
    console.error(`local API: response of ${body.length} bytes exceeds Lambda's 6 MB payload limit`);
    return writeError(res, base);
  }
  res.writeHead(status, { ...headers, ...base, 'content-length': String(body.length) });
  res.end(body);
  return status;
}

function writeError(res: ServerResponse, base: Record<string, string>): number {
  res.writeHead(500, { 'content-type': 'application/json', ...base });
  res.end(JSON.stringify({ message: 'Internal Server Error' }));
  return 500;
}
