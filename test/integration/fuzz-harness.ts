/**
 * Sends generated requests (fuzz-arbitraries.ts) to the real handler modules, each
 * with its full middy middleware stack, as API Gateway HTTP API v2 events with the
 * authorizer's context, and checks the answer against the contract:
 *
 * 1. no status ≥ 500;
 * 2. every 4xx body is exactly `{"error": {"code", "message", "details"?}}` (snake_case
 *    code; details `[{"path", "message"}]`, required on a 400), and each detail's path
 *    names something the request holds: a query parameter it sent, a body field it
 *    sent (or a required one it left out), `(body)` only for a body that is not an
 *    object at all (or, for one event, the event as a whole), `content-type` only for
 *    a request that sent one; plus what the request's `expect` demands;
 * 3. a rejected ingest body stores nothing: none of its client-supplied ids can be
 *    fetched with GET /v1/events/{id} afterwards.
 *
 * The handlers talk to the emulators of the process environment (the suite's global
 * setup, or the bench's `startLocal`): they are imported lazily, once it is in place.
 * Used by the suite (test/integration/fuzz.test.ts) and the bench (scripts/bench/fuzz.ts).
 */
import { randomBytes } from 'node:crypto';
import type { BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { lambdaContext, queryParameters } from '../../local/http-api.js';
import type { ApiContext, ApiEvent, ApiResult } from '../../lambdas/shared/http.js';
import fc from 'fast-check';
import { FUZZ_SEED, type FuzzContext, type FuzzRequest, isUnder, locate, type Op, toJson, validEvent } from './fuzz-arbitraries.js';

type Handler = (event: ApiEvent, context: ApiContext) => Promise<ApiResult>;

/** Handler module of each op (lib/catalogue.ts). */
const MODULES: Record<Op, () => Promise<{ handler: unknown }>> = {
  ingestEvents: () => import('../../lambdas/events/ingest.js'),
  listEvents: () => import('../../lambdas/events/list.js'),
  getEvent: () => import('../../lambdas/events/get.js'),
  listAccessLogs: () => import('../../lambdas/access-logs/list.js'),
  getSettings: () => import('../../lambdas/settings/get.js'),
  putSettings: () => import('../../lambdas/settings/put.js'),
  createToken: () => import('../../lambdas/tokens/create.js'),
  listTokens: () => import('../../lambdas/tokens/list.js'),
  revokeToken: () => import('../../lambdas/tokens/revoke.js'),
  createExport: () => import('../../lambdas/exports/create.js'),
  listExports: () => import('../../lambdas/exports/list.js'),
  getExport: () => import('../../lambdas/exports/get.js'),
};

/** Method and route key of each op, as API Gateway sets them. */
const ROUTE: Record<Op, [method: string, path: string]> = {
  ingestEvents: ['POST', '/v1/events'], listEvents: ['GET', '/v1/events'], getEvent: ['GET', '/v1/events/{id}'],
  listAccessLogs: ['GET', '/v1/access-logs'], getSettings: ['GET', '/v1/settings'], putSettings: ['PUT', '/v1/settings'],
  createToken: ['POST', '/v1/tokens'], listTokens: ['GET', '/v1/tokens'], revokeToken: ['DELETE', '/v1/tokens/{id}'],
  createExport: ['POST', '/v1/exports'], listExports: ['GET', '/v1/exports'], getExport: ['GET', '/v1/exports/{id}'],
};

const QUERY_OPS: readonly Op[] = ['listEvents', 'listAccessLogs', 'listExports'];

/** What one request did. */
export interface Outcome {
  readonly status: number;
  /** Contract violations, one sentence each; empty when the answer is right. */
  readonly problems: readonly string[];
}

/** Figures of a run (the bench prints them). */
export interface FuzzStats {
  /** Generated requests sent (verification reads not counted). */
  requests: number;
  byStatus: Record<number, number>;
  /** Answers with a status ≥ 500. */
  fiveXX: number;
  /** 4xx answers whose body is not the contract's error object, or whose paths name nothing the request holds. */
  badErrorShape: number;
  /** Rejected ingest bodies of which some event was stored anyway. */
  partialBatches: number;
  /** Answers of another status or naming other fields than the request's expectation. */
  unexpected: number;
  /** Accepted events read back different from what was sent (metadata, changes). */
  roundTrip: number;
  /** Next pages fetched with the cursor of a listing (not counted in `requests`). */
  followed: number;
  /** Milliseconds spent per op (generated requests only). */
  msByOp: Partial<Record<Op, number>>;
}

/** Options of {@link createFuzzer}. */
export interface FuzzerOptions {
  /** Tenant prefix; settings and exports get tenants of their own. @default `fuzz-<random>` */
  readonly tenant?: string;
}

/** A fuzzer bound to fresh tenants: sends requests, checks answers, keeps figures. */
export interface Fuzzer {
  readonly tenant: string;
  readonly stats: FuzzStats;
  /** Sends `req`, checks the answer (and what it stored), returns the problems found. */
  send(req: FuzzRequest): Promise<Outcome>;
  /** Loads `count` valid events (a fifth of them sign-ins) into the tenant first, so listings and reads by id find some. */
  seed(count: number, ctx: FuzzContext): Promise<void>;
}

/** Tenants per op: settings changes (retention, switches) and exports (workflow runs) stay away from the ingest tenant. */
const tenantOf = (base: string, op: Op): string =>
  op === 'putSettings' || op === 'getSettings' ? `${base}-settings` : op === 'createExport' || op === 'listExports' || op === 'getExport' ? `${base}-exports` : base;

let handlers: Promise<Record<Op, Handler>> | undefined;
let table: ReturnType<typeof loadTableAccess> | undefined;

async function loadTableAccess() {
  const [{ createDocumentClient }, { BatchGetCommand }, { eventPk }] = await Promise.all([
    import('../../lambdas/adapters/dynamodb.js'), import('@aws-sdk/lib-dynamodb'), import('../../lambdas/core/keys.js'),
  ]);
  // The table the handlers write to, reached as they reach it: the process environment is theirs.
  const name = process.env.EVENTS_TABLE;
  if (!name) throw new Error('EVENTS_TABLE is not set: the local stack must be started first');
  return { ddb: createDocumentClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }), BatchGetCommand, eventPk, table: name };
}
const tableAccess = () => (table ??= loadTableAccess());

/** Imports every handler once (after the environment is in place). */
export function loadHandlers(): Promise<Record<Op, Handler>> {
  handlers ??= (async () => {
    const entries = await Promise.all(Object.entries(MODULES).map(async ([op, load]) => [op, (await load()).handler as Handler] as const));
    return Object.fromEntries(entries) as Record<Op, Handler>;
  })();
  return handlers;
}

/** The API Gateway v2 event of `req` for `tenant` (admin scope), as the local HTTP API builds it. */
export function apiEvent(req: Pick<FuzzRequest, 'op' | 'query' | 'body' | 'base64' | 'contentType'>, tenant: string, pathId?: string): ApiEvent {
  const [method, path] = ROUTE[req.op];
  const rawPath = pathId === undefined ? path : path.replace('{id}', pathId.replace(/[^A-Za-z0-9._~-]/g, (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).padStart(2, '0')}`));
  const rawQueryString = req.query ?? '';
  const headers: Record<string, string> = { host: 'fuzz.local', authorization: 'Bearer (checked by the authorizer)' };
  if (req.contentType !== undefined) headers['content-type'] = req.contentType;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath,
    rawQueryString,
    headers,
    queryStringParameters: queryParameters(rawQueryString),
    pathParameters: pathId === undefined ? undefined : { id: pathId },
    body: req.body,
    isBase64Encoded: req.base64 ?? false,
    requestContext: {
      accountId: '000000000000', apiId: 'fuzz', domainName: 'fuzz.local', domainPrefix: 'fuzz', requestId: randomBytes(8).toString('hex'),
      routeKey: `${method} ${path}`, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'fuzz' },
      authorizer: { lambda: { tenant, scopes: 'admin', tokenId: 'fuzz-token' } },
    },
  } as ApiEvent;
}

/** Calls the handler of `req.op` for `tenant` (admin scope) with the request's raw input; its status and body text. */
export async function invokeHandler(req: Pick<FuzzRequest, 'op' | 'query' | 'body' | 'base64' | 'contentType'>, tenant: string, pathId?: string): Promise<{ status: number; text: string }> {
  const all = await loadHandlers();
  const result = await all[req.op](apiEvent(req, tenant, pathId), context(req.op) as ApiContext);
  return { status: result.statusCode ?? 200, text: typeof result.body === 'string' ? result.body : '' };
}

const context = (op: Op): Context => lambdaContext({ name: `Fuzz${op}`, memoryMb: 1024 } as Parameters<typeof lambdaContext>[0], Date.now() + 30_000);

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const short = (s: string, n = 120) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);

/** Problems with the shape of an error body (contract: Errors). */
export function errorShapeProblems(status: number, text: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [`${status} body is not JSON: ${short(text)}`];
  }
  if (!isObj(body) || Object.keys(body).join() !== 'error' || !isObj(body.error)) return [`${status} body is not {"error": {...}}: ${short(text)}`];
  const { code, message, details, ...rest } = body.error;
  const problems: string[] = [];
  if (Object.keys(rest).length) problems.push(`error has unknown keys ${Object.keys(rest).join(', ')}`);
  if (typeof code !== 'string' || !SNAKE.test(code)) problems.push(`error.code ${JSON.stringify(code)} is not a snake_case string`);
  if (typeof message !== 'string' || !message) problems.push('error.message is not a non-empty string');
  if (details === undefined) {
    if (status === 400) problems.push('a 400 has no details');
  } else if (!Array.isArray(details) || !details.length) {
    problems.push('error.details is not a non-empty array');
  } else {
    for (const d of details) {
      if (!isObj(d) || Object.keys(d).sort().join() !== 'message,path' || typeof d.path !== 'string' || !d.path || typeof d.message !== 'string' || !d.message) {
        problems.push(`detail ${short(JSON.stringify(d))} is not {"path": non-empty string, "message": non-empty string}`);
      }
    }
  }
  return problems;
}

interface Body {
  readonly raw: string;
  readonly parsed: boolean;
  readonly value?: unknown;
}
const bodies = new WeakMap<FuzzRequest, Body>();

/** The request body as the handler sees it: its text, and its value when it is JSON (parsed once per request). */
function parsedBody(req: FuzzRequest): Body {
  let body = bodies.get(req);
  if (!body) {
    const raw = req.body === undefined ? '' : req.base64 ? Buffer.from(req.body, 'base64').toString('utf8') : req.body;
    try {
      body = { raw, parsed: true, value: JSON.parse(raw) };
    } catch {
      body = { raw, parsed: false };
    }
    bodies.set(req, body);
  }
  return body;
}

/** Whether every key of `path` occurs in the (unparseable) text as a JSON key (`"actor":`). */
function keysInText(raw: string, path: string): boolean {
  const keys = path.split(/\.|\[\d+\]/).filter(Boolean);
  return keys.every((k) => raw.includes(`${JSON.stringify(k)}:`));
}


/**
 * Problems with the details' paths of a 4xx answer to `req`: `generic` for a path that names nothing the
 * request holds, `expected` for paths other than the ones the request was broken at.
 */
export function pathProblems(req: FuzzRequest, status: number, details: readonly { path: string; message: string }[]): { generic: string[]; expected: string[] } {
  const problems: string[] = [];
  const unexpected: string[] = [];
  const query = QUERY_OPS.includes(req.op);
  const keys = [...new URLSearchParams(req.query ?? '').keys()];
  const body = parsedBody(req);
  const single = req.op === 'ingestEvents' && isObj(body.value) && !('events' in body.value);
  for (const { path, message } of details) {
    if (path === 'content-type') {
      if (req.contentType === undefined) problems.push('names content-type, which the request did not send');
    } else if (path === '(body)') {
      // One event as a whole (its serialized size) is the body as a whole; anything else in an object has a name.
      const whole = single && /\bevent\b/.test(message);
      if (query || (body.parsed && isObj(body.value) && !whole)) problems.push(`names (body) (${message}), but the body is a JSON object: name the field`);
    } else if (query) {
      if (!keys.some((k) => isUnder(path, k))) problems.push(`names ${JSON.stringify(path)}, which is no parameter of the query`);
    } else if (!body.parsed) {
      // The nesting limit is checked on the raw text, before JSON.parse would refuse it.
      if (!keysInText(body.raw, path)) problems.push(`names ${JSON.stringify(path)}, which the (unparseable) body does not hold`);
    } else {
      const where = locate(body.value, path);
      if (where === 'nowhere') problems.push(`names ${JSON.stringify(path)}, which the body does not hold`);
      if (where === 'missing' && !/required/i.test(message)) problems.push(`names ${JSON.stringify(path)}, absent from the body, with "${message}" (not "is required")`);
    }
  }
  const must = req.expect?.paths ?? [];
  const may = [...must, ...(req.expect?.allowed ?? [])];
  const list = (paths: readonly string[]) => paths.map((p) => JSON.stringify(short(p, 60))).join(', ');
  if (status === 400 && (req.expect?.paths || req.expect?.allowed)) {
    const stray = details.filter((d) => !may.some((p) => isUnder(d.path, p)));
    if (stray.length) unexpected.push(`names ${list(stray.map((d) => d.path))} (${short(stray[0]!.message, 80)}); expected only paths under ${list(may)}`);
    if (must.length && !must.some((p) => details.some((d) => isUnder(d.path, p)))) unexpected.push(`names ${list(details.map((d) => d.path))}, none of ${list(must)}`);
  }
  return { generic: problems, expected: unexpected };
}

/** Creates a fuzzer with fresh tenants; its handlers are imported on first use. */
export function createFuzzer(opts: FuzzerOptions = {}): Fuzzer {
  const tenant = opts.tenant ?? `fuzz-${randomBytes(5).toString('hex')}`;
  const stats: FuzzStats = { requests: 0, byStatus: {}, fiveXX: 0, badErrorShape: 0, partialBatches: 0, unexpected: 0, roundTrip: 0, followed: 0, msByOp: {} };
  /**
   * Client ids that may be stored, with the number of requests that may have stored each: those in
   * flight with a body that might be accepted, and those accepted. A rejected request checks only ids
   * that no other request claims, so requests can run concurrently.
   */
  const claims = new Map<string, number>();
  const claim = (id: string, by: number) => {
    const n = (claims.get(id) ?? 0) + by;
    if (n > 0) claims.set(id, n);
    else claims.delete(id);
  };
  const claimedByOthers = (id: string, mine: boolean) => (claims.get(id) ?? 0) - (mine ? 1 : 0) > 0;
  const known = { event: [] as string[], token: [] as string[], export: [] as string[] };

  const invoke = (req: FuzzRequest, pathId?: string) => invokeHandler(req, tenantOf(tenant, req.op), pathId);

  /** Which of `ids` are stored in the ingest tenant: one strongly consistent BatchGetItem on the table, not just what GET /v1/events/{id} shows. */
  async function storedIds(ids: readonly string[]): Promise<string[]> {
    if (!ids.length) return [];
    const { ddb, BatchGetCommand, eventPk, table } = await tableAccess();
    const pks = [...new Set(ids.map((id) => eventPk(tenant, id)))];
    const found: string[] = [];
    for (let i = 0; i < pks.length; i += 100) {
      let keys: Record<string, unknown>[] | undefined = pks.slice(i, i + 100).map((pk) => ({ pk }));
      while (keys?.length) {
        const r: BatchGetCommandOutput = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ProjectionExpression: 'pk', ConsistentRead: true } } }));
        found.push(...(r.Responses?.[table] ?? []).map((item) => String(item.pk).slice(tenant.length + 1)));
        keys = r.UnprocessedKeys?.[table]?.Keys;
      }
    }
    return found;
  }

  /** For an accepted single event with a new client id: reads it back and compares what the service keeps verbatim. */
  async function roundTrip(req: FuzzRequest, problems: string[]): Promise<void> {
    const sent = parsedBody(req).value;
    if (!isObj(sent) || 'events' in sent || typeof sent.id !== 'string') return;
    const got = await invoke({ op: 'getEvent', label: 'read back' }, sent.id);
    if (got.status !== 200) return void problems.push(`accepted event ${sent.id} reads back as ${got.status}: ${short(got.text, 200)}`);
    const event = JSON.parse(got.text) as Record<string, unknown>;
    const changes = isObj(event.changes) ? { before: event.changes.before, after: event.changes.after } : undefined;
    const sentChanges = isObj(sent.changes) ? { before: sent.changes.before, after: sent.changes.after } : undefined;
    for (const [what, a, b] of [['metadata', sent.metadata, event.metadata], ['changes', sentChanges, changes]] as const) {
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        stats.roundTrip++;
        problems.push(`${what} reads back as ${short(JSON.stringify(b) ?? 'nothing', 200)}, sent ${short(JSON.stringify(a) ?? 'nothing', 200)}`);
      }
    }
  }

  async function send(req: FuzzRequest): Promise<Outcome> {
    const pathId = typeof req.pathId === 'object' ? known[req.pathId.known][req.pathId.pick % Math.max(1, known[req.pathId.known].length)] ?? `none-yet-${req.pathId.pick}` : req.pathId;
    const sureRejected = !!req.expect?.status && !req.expect.status.some((s) => s < 300);
    const ids = [...new Set(req.eventIds ?? [])];
    const mine = !sureRejected;
    // Ids nobody else may have stored when this request starts (read back after a 201).
    const fresh = ids.filter((id) => !claims.has(id));
    if (mine) for (const id of ids) claim(id, 1);
    const t0 = performance.now();
    const { status, text } = await invoke(req, pathId);
    stats.msByOp[req.op] = (stats.msByOp[req.op] ?? 0) + (performance.now() - t0);
    stats.requests++;
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const problems: string[] = [];
    const unexpected: string[] = [];
    if (status >= 500) {
      stats.fiveXX++;
      problems.push(`answered ${status}: ${short(text, 300)}`);
    }
    if (status >= 400 && status < 500) {
      const shape = errorShapeProblems(status, text);
      const details = shape.length ? [] : ((JSON.parse(text) as { error: { details?: { path: string; message: string }[] } }).error.details ?? []);
      const paths = shape.length ? { generic: [], expected: [] } : pathProblems(req, status, details);
      if (shape.length || paths.generic.length) stats.badErrorShape++;
      problems.push(...shape, ...paths.generic);
      unexpected.push(...paths.expected);
      if (req.op === 'ingestEvents') {
        // Whatever the request was meant to be, a 4xx stores nothing: every id it brought that no other
        // request may have stored must still be absent.
        const stored = await storedIds(ids.filter((id) => !claimedByOthers(id, mine)));
        if (mine) for (const id of ids) claim(id, -1);
        if (stored.length) {
          stats.partialBatches++;
          problems.push(`answered ${status}, yet stored ${stored.length} of its events: ${stored.slice(0, 5).join(', ')}`);
        }
      }
    }
    const expect = req.expect;
    if (expect && status < 500) {
      const wrong = (expect.ok && (status < 200 || status >= 300)) || (expect.status && !expect.status.includes(status));
      if (wrong) {
        unexpected.push(`answered ${status}, expected ${expect.status?.join(' or ') ?? '2xx'}${expect.paths ? ` naming ${expect.paths.map((p) => JSON.stringify(p)).join(', ')}` : ''}: ${short(text, 300)}`);
      }
    }
    if (status >= 200 && status < 300) {
      if (!mine) for (const id of ids) claim(id, 1);
      remember(req, text, problems);
      await follow(req, text, problems);
      if (req.op === 'ingestEvents' && fresh.length === 1 && !claimedByOthers(fresh[0]!, mine)) await roundTrip(req, problems);
    }
    if (unexpected.length) stats.unexpected++;
    const all = [...problems, ...unexpected];
    const knownDefect = (p: string) => (p.includes('(body)') && (p.includes('""') || p.includes('name the field'))) || p.includes('"path":""') || /names "events\[\d+\]\.(changes|actor)"/.test(p);
    return { status, problems: process.env.FUZZ_MEASURE ? all.filter((p) => !knownDefect(p)) : all };
  }

  /** Keeps the ids a successful request created, for later requests by id; checks what ingest answered. */
  function remember(req: FuzzRequest, text: string, problems: string[]): void {
    const body = JSON.parse(text) as Record<string, unknown>;
    if (req.op === 'ingestEvents') {
      const ids = body.ids as string[];
      const sent = parsedBody(req).value;
      const count = isObj(sent) && Array.isArray(sent.events) ? sent.events.length : 1;
      if (!Array.isArray(ids) || ids.length !== count || body.accepted !== count - (body.skipped as number)) {
        problems.push(`201 for ${count} events, but answered ${short(text, 200)}`);
      }
      // Accepted ids stay claimed (by this request) for good.
      known.event.push(...(ids ?? []));
    }
    if (req.op === 'createToken' && typeof body.id === 'string') known.token.push(body.id);
    if (req.op === 'createExport' && typeof body.id === 'string') known.export.push(body.id);
  }

  /** After a page with a `nextCursor`, fetches the next one with the same query: a cursor the service issued must work. */
  async function follow(req: FuzzRequest, text: string, problems: string[]): Promise<void> {
    const cursor = QUERY_OPS.includes(req.op) ? (JSON.parse(text) as { nextCursor?: unknown }).nextCursor : undefined;
    if (typeof cursor !== 'string' || new URLSearchParams(req.query ?? '').has('cursor')) return;
    const next = { op: req.op, label: 'next page', query: `${req.query ? `${req.query}&` : ''}cursor=${encodeURIComponent(cursor)}` };
    const r = await invoke(next);
    stats.followed++;
    if (r.status !== 200) problems.push(`the next page (?${short(next.query, 200)}) answered ${r.status}: ${short(r.text, 200)}`);
  }

  async function seed(count: number, ctx: FuzzContext): Promise<void> {
    const actors = [{ type: 'user', id: 'u_ada', name: 'Ada', email: 'ada@example.com' }, { type: 'user', id: 'u_bob' }];
    const events = fc.sample(validEvent(ctx), { seed: FUZZ_SEED, numRuns: count }).map((e, i) => (i % 5 ? e : {
      ...e, action: i % 2 ? 'auth.signed_in' : 'auth.sign_in_failed', category: 'auth', actor: actors[i % 2], ip: '203.0.113.9', result: i % 2 ? 'success' : 'failure',
    }));
    for (let i = 0; i < events.length; i += 100) {
      const body = toJson({ events: events.slice(i, i + 100) });
      const r = await invoke({ op: 'ingestEvents', label: 'seed', body, contentType: 'application/json' });
      if (r.status !== 201) throw new Error(`seeding ${tenant} failed: ${r.status} ${short(r.text, 300)}`);
      const ids = (JSON.parse(r.text) as { ids: string[] }).ids;
      for (const id of ids) claim(id, 1);
      known.event.push(...ids);
    }
  }

  return { tenant, stats, send, seed };
}
