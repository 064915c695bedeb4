/**
 * The viewer's only way to the server: the public HTTP API with the viewer's bearer token.
 * Every failure becomes an {@link ApiError} carrying the contract's error object, so views
 * can say what went wrong and which field; a 401 also reaches `onUnauthorized` (the token
 * expired or was revoked), which the root element turns into a plain "session expired".
 */
import type { ErrorBody } from './types.js';

/** A failed call: HTTP status (0 when the network failed), contract error code and details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly { readonly path: string; readonly message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Query parameters; arrays repeat the key (`?action=a&action=b`), empty and undefined values are left out. */
export type Query = Readonly<Record<string, string | number | readonly string[] | undefined | null>>;

/** The API as the views see it. */
export interface ApiClient {
  /** The API's base URL (no trailing slash), e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`. */
  readonly base: string;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
}

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  readonly base: string;
  readonly token: string;
  /** Called on every 401 (after the call's promise rejects with the same error). */
  readonly onUnauthorized?: (error: ApiError) => void;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** `path?query` with repeated keys for arrays; undefined, null and '' values are left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const base = opts.base.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis);

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      // `as RequestInit`: Node's type (tests run this client in Node) has no `cache`; browsers and undici honour it.
      res = await doFetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' } as RequestInit);
    } catch (err) {
      throw new ApiError(0, 'network_error', (err as Error).message || 'network error');
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as Partial<ErrorBody> | undefined)?.error;
      const error = new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? (res.statusText || `HTTP ${res.status}`), e?.details ?? []);
      if (res.status === 401) queueMicrotask(() => opts.onUnauthorized?.(error));
      throw error;
    }
    return json as T;
  }

  return {
    base,
    get: (path, query) => request('GET', withQuery(path, query)),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    del: async (path) => { await request('DELETE', path); },
  };
}
