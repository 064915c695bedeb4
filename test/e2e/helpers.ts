/**
 * Helpers of the end-to-end suite: HTTP calls against the local runner started by
 * `test/global-setup.ts`, tokens for other tenants (straight from the token store,
 * the way `npm run admin -- token create` does it), unique ids, pagination and
 * polling. Every test file works in its own tenant so files can run in parallel.
 */
import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import { localTableAdapters, type TableAdapters } from '../../local/adapters.js';

/** Endpoints of the local stack of this test run. */
export const local = inject('local');

/** Any JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** What a call returned: status, parsed JSON body (undefined when not JSON) and raw text. */
export interface ApiResponse {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
  readonly headers: Headers;
}

/** Query parameters; arrays repeat the key (`?action=a&action=b`). */
export type Query = Record<string, string | number | readonly string[] | undefined>;

/** `path?query` with repeated keys for arrays and undefined values left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`; omitted: no Authorization header at all. */
  readonly token?: string;
  /** Serialised as JSON with `content-type: application/json`. */
  readonly json?: unknown;
  /** Sent as is (no content-type unless given in `headers`). */
  readonly raw?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

/** One HTTP request to the local API. */
export async function call(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw !== undefined) {
    body = opts.raw;
  }
  Object.assign(headers, opts.headers);
  const res = await fetch(`${local.api}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: Json;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A client bound to one token. */
export function client(token: string) {
  return {
    token,
    get: (path: string, query?: Query) => call('GET', withQuery(path, query), { token }),
    post: (path: string, json: unknown) => call('POST', path, { token, json }),
    put: (path: string, json: unknown) => call('PUT', path, { token, json }),
    del: (path: string) => call('DELETE', path, { token }),
    /** Any request, with the token unless `opts.token` says otherwise. */
    call: (method: string, path: string, opts: CallOptions = {}) => call(method, path, { token, ...opts }),
  };
}
export type Client = ReturnType<typeof client>;

/** A fresh tenant name, unique to this run and file. */
export const newTenant = (): string => `t-${randomUUID().slice(0, 8)}`;

/** A fresh id (valid event id: `[A-Za-z0-9._:-]`). */
export const uid = (prefix = 'e2e'): string => `${prefix}-${randomUUID().slice(0, 13)}`;

let stores: TableAdapters | undefined;

/** The table adapters of the local stack (built from its endpoints, once per worker). */
export const localStores = (): TableAdapters => (stores ??= localTableAdapters(local));

/** Scopes of the contract. */
export type Scope = 'events:write' | 'events:read' | 'exports:write' | 'admin';

/** Issues a token of `tenant` with `scopes` directly in the Control table (as the admin CLI does). */
export async function issueToken(tenant: string, scopes: Scope[], name = 'e2e'): Promise<{ token: string; id: string }> {
  const created = await localStores().tokenStore.createToken({ tenant, name, scopes });
  return { token: created.token, id: created.id };
}

/** A fresh tenant with an admin client. */
export async function adminOfNewTenant(): Promise<{ tenant: string; admin: Client; tokenId: string }> {
  const tenant = newTenant();
  const { token, id } = await issueToken(tenant, ['admin'], 'e2e admin');
  return { tenant, admin: client(token), tokenId: id };
}

/** ISO timestamp `ms` milliseconds ago (negative: in the future). */
export const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A minimal valid event with a unique id; `overrides` replace top-level fields. */
export function event(overrides: Record<string, unknown> = {}): Record<string, Json> {
  return {
    id: uid('ev'),
    action: 'project.updated',
    actor: { type: 'user', id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' },
    ...overrides,
  };
}

/** POSTs events (a batch) and asserts 201. */
export async function ingest(api: Client, events: readonly Record<string, unknown>[]): Promise<Json> {
  const body: Json[] = [];
  for (let i = 0; i < events.length; i += 100) {
    const res = await api.post('/v1/events', { events: events.slice(i, i + 100) });
    expect(res.status, res.text).toBe(201);
    body.push(res.body);
  }
  return body.length === 1 ? body[0] : body;
}

/**
 * Follows `nextCursor` until it is null and returns every item of every page
 * (pages may be partial under sparse filters). Fails on a non-200 page.
 */
export async function paginate(api: Client, path: string, query: Query = {}, key = 'events'): Promise<{ items: Json[]; pages: number }> {
  const items: Json[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await api.get(path, { ...query, cursor });
    expect(res.status, res.text).toBe(200);
    expect(Array.isArray(res.body[key])).toBe(true);
    items.push(...res.body[key]);
    cursor = res.body.nextCursor ?? undefined;
    if (cursor !== undefined) expect(typeof cursor).toBe('string');
    pages++;
    if (pages > 2_000) throw new Error(`paginate: no end after ${pages} pages of ${path}`);
  } while (cursor);
  return { items, pages };
}

/** Ids of every event matching `query`, all pages, in order. */
export async function listIds(api: Client, query: Query = {}): Promise<string[]> {
  return (await paginate(api, '/v1/events', query)).items.map((e) => e.id as string);
}

/** Calls `fn` until `done(value)` holds or `timeoutMs` passes; returns the last value. */
export async function poll<T>(fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Asserts the contract's error shape with `status` and `code`; returns the details (possibly empty). */
export function expectError(res: ApiResponse, status: number, code: string): { path: string; message: string }[] {
  expect(res.status, res.text).toBe(status);
  expect(res.body, res.text).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(res.body.error.message.length).toBeGreaterThan(0);
  expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'details'].includes(k)), res.text).toBe(true);
  const details = res.body.error.details ?? [];
  expect(Array.isArray(details)).toBe(true);
  for (const d of details) expect(d).toEqual({ path: expect.any(String), message: expect.any(String) });
  return details;
}

/** Asserts a 400 `validation_error` and returns the detail paths. */
export function expectValidation(res: ApiResponse, code = 'validation_error'): string[] {
  return expectError(res, 400, code).map((d) => d.path);
}

/** `occurredAt#id` descending: the order of every listing. */
export const newestFirst = (a: Json, b: Json): number => {
  const ka = `${a.occurredAt}#${a.id}`;
  const kb = `${b.occurredAt}#${b.id}`;
  return ka < kb ? 1 : ka > kb ? -1 : 0;
};

/** ISO-8601 UTC with milliseconds, as the contract writes timestamps. */
export const ISO_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Real user agents. */
export const UA = {
  firefoxUbuntu: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0',
  chromeWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
} as const;
