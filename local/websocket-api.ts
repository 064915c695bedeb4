/**
 * A local peer of an API Gateway WebSocket API (no emulator exists): a `ws` server on
 * 127.0.0.1 that invokes `$connect`/`$disconnect`/route handlers with the events API
 * Gateway gives Lambda (proxy integration), and the `@connections` management API on
 * the same port, so handlers post to clients with the unchanged
 * `@aws-sdk/client-apigatewaymanagementapi` pointed at {@link LocalWebSocketApi.managementEndpoint}.
 *
 * Behaviour kept from API Gateway (quotas: docs.aws.amazon.com/apigateway/latest/developerguide/
 * apigateway-execution-service-websocket-limits-table.html):
 * - `$connect` runs before the upgrade completes; a non-2xx `statusCode` (or a thrown
 *   error, 500) refuses the handshake with that HTTP status and body. `$disconnect` is not
 *   called for a refused connection.
 * - Routes are selected by `$request.body.<routeSelection>`; anything else (not JSON, no
 *   such key, no such route, a binary frame) goes to `$default`; without `$default` the
 *   client gets `{"message":"Forbidden","connectionId","requestId"}`.
 * - Every route is two-way (a route response is configured): a handler result with a
 *   `body` is sent back to the client as one text frame. A handler that throws or times
 *   out (29 s integration timeout) makes the client receive
 *   `{"message":"Internal server error","connectionId","requestId"}`.
 * - A message over `maxMessageBytes` (128 KB) closes the connection with 1009. The 32 KB
 *   frame quota is not enforced (a client cannot tell a message split into frames apart).
 * - `$disconnect` is invoked exactly once per accepted connection, whoever closes it:
 *   the client, `DELETE @connections` (1000 "Connection Closed Normally"), the idle or
 *   maximum-duration timeout (1001 "Going away"), an oversized message (1009) or `stop()`.
 * - `@connections/{id}`: `POST` sends the body as one text frame (200), `GET` returns
 *   `connectedAt`/`identity`/`lastActiveAt` (200), `DELETE` closes (204); an unknown id is
 *   `410` with `x-amzn-errortype: GoneException`, a body over 128 KB is `413`
 *   `PayloadTooLargeException`, another path is `403` `ForbiddenException`.
 *
 * Not emulated: Lambda authorizers on `$connect` (and the authorizer context carried into
 * later events), API keys, mapping templates, `Sec-WebSocket-Protocol` negotiation.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Context } from 'aws-lambda';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { lambdaContext, type FunctionSettings } from './http-api.js';

/** API Gateway's message payload quota (128 KB). */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** API Gateway's integration timeout, the most a route handler may take. */
const INTEGRATION_TIMEOUT_SECONDS = 29;

/** A route handler: a plain Lambda handler `(event, context) => result`. */
export type WebSocketHandler = (event: WebSocketEvent, context: Context) => Promise<unknown> | unknown;

/** `requestContext.identity` as API Gateway fills it for WebSocket APIs (no IAM/Cognito here). */
export interface WebSocketIdentity {
  readonly sourceIp: string;
  readonly userAgent: string | null;
}

/** `requestContext` of a WebSocket event (`APIGatewayEventWebsocketRequestContextV2` plus what AWS adds). */
export interface WebSocketRequestContext {
  readonly routeKey: string;
  readonly eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT';
  /** Only for MESSAGE events; `null` otherwise, as in AWS. */
  readonly messageId: string | null;
  readonly extendedRequestId: string;
  /** `13/Dec/2020:10:17:47 +0000` */
  readonly requestTime: string;
  readonly messageDirection: 'IN';
  readonly stage: string;
  readonly connectedAt: number;
  readonly requestTimeEpoch: number;
  readonly identity: WebSocketIdentity;
  /** Same value as `extendedRequestId`, as in AWS. */
  readonly requestId: string;
  readonly domainName: string;
  readonly connectionId: string;
  readonly apiId: string;
  /** DISCONNECT only. */
  readonly disconnectStatusCode?: number;
  /** DISCONNECT only. */
  readonly disconnectReason?: string;
}

/** The event a WebSocket route's Lambda receives (proxy integration). */
export interface WebSocketEvent {
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly queryStringParameters?: Record<string, string>;
  readonly multiValueQueryStringParameters?: Record<string, string[]>;
  readonly requestContext: WebSocketRequestContext;
  /** MESSAGE only: the frame's text (base64 for a binary frame). */
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/** The handlers bound to the API's routes. */
export interface WebSocketHandlers {
  /** `$connect`: runs before the upgrade; a non-2xx `statusCode` refuses it. */
  readonly connect: WebSocketHandler;
  /** `$disconnect`: once per accepted connection. Its result is ignored. */
  readonly disconnect: WebSocketHandler;
  /** `$default`: messages that select no route. */
  readonly default?: WebSocketHandler;
  /** Custom routes by route key (the value of the route selection key, e.g. `subscribe`). */
  readonly routes?: Readonly<Record<string, WebSocketHandler>>;
}

/** Options of {@link startWebSocketApi}. */
export interface WebSocketApiOptions {
  readonly handlers: WebSocketHandlers;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Key of the JSON body that selects the route: `$request.body.<routeSelection>`; dots reach into objects. @default 'action' */
  readonly routeSelection?: string;
  /** Stage name: the path of the WebSocket URL and of `@connections`. @default 'local' */
  readonly stage?: string;
  /** `requestContext.apiId`. @default 'localwsapi' */
  readonly apiId?: string;
  /** Closes a connection that has not sent a frame for this long (AWS: 10 min). @default undefined (never) */
  readonly idleTimeoutMs?: number;
  /** Closes a connection this long after it opened (AWS: 2 h). @default undefined (never) */
  readonly maxConnectionMs?: number;
  /** Larger client messages close the connection with 1009; larger `@connections` POSTs are 413. @default 131072 */
  readonly maxMessageBytes?: number;
  /** Name, timeout and memory of the function behind each route key (`$connect`, `$default`, `subscribe`...). @default `ws-<route>`, 29 s, 128 MB */
  readonly functions?: Readonly<Record<string, FunctionSettings>>;
  /** Where handler errors are reported. @default console.error */
  readonly onHandlerError?: (routeKey: string, err: unknown) => void;
}

/** A running local WebSocket API. */
export interface LocalWebSocketApi {
  /** `ws://127.0.0.1:<port>/<stage>` (AWS: `wss://<api>.execute-api.<region>.amazonaws.com/<stage>`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>/<stage>`: the `endpoint` of `ApiGatewayManagementApiClient`. */
  readonly managementEndpoint: string;
  readonly port: number;
  /** Number of open connections. */
  connections(): number;
  /** Closes every connection (1001, `$disconnect` awaited for each), then the server. Safe to call twice. */
  stop(): Promise<void>;
}

interface Connection {
  readonly id: string;
  readonly ws: WebSocket;
  readonly connectedAt: number;
  readonly identity: WebSocketIdentity;
  readonly domainName: string;
  lastActiveAt: number;
  /** Set by whoever closes the connection first; reported to `$disconnect`. */
  closeCode?: number;
  closeReason?: string;
  /** The `$disconnect` invocation, once started. */
  disconnected?: Promise<void>;
  idleTimer?: NodeJS.Timeout;
  maxTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `13/Dec/2020:10:17:47 +0000`, API Gateway's `requestContext.requestTime`. */
function clf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** An id shaped like API Gateway's connection and request ids (`XfGLwFTktjMFsLg=`): URL-safe but for the `=`. */
function gatewayId(): string {
  return randomBytes(11).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
}

/** Close code → `disconnectReason` (AWS logs "Connection Closed Normally" for DELETE @connections). */
const CLOSE_REASONS: Record<number, string> = {
  1000: 'Connection Closed Normally',
  1001: 'Going away',
  1005: 'No status code',
  1006: 'Connection closed abnormally',
  1009: 'Message too big',
};

/** The value at `path` (`a.b`) of a parsed JSON body, if it is a string. */
function selectionValue(body: unknown, path: string): string | undefined {
  let v: unknown = body;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'string' ? v : undefined;
}

/** `headers`/`multiValueHeaders` with the client's own casing, as API Gateway passes them (REST-style, last value wins). */
function requestHeaders(req: IncomingMessage, sourceIp: string): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) (multiValueHeaders[raw[i]] ??= []).push(raw[i + 1]);
  const has = (name: string) => Object.keys(multiValueHeaders).some((k) => k.toLowerCase() === name.toLowerCase());
  if (!has('X-Forwarded-For')) multiValueHeaders['X-Forwarded-For'] = [sourceIp];
  if (!has('X-Forwarded-Port')) multiValueHeaders['X-Forwarded-Port'] = [String(req.socket.localPort)];
  if (!has('X-Forwarded-Proto')) multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const headers = Object.fromEntries(Object.entries(multiValueHeaders).map(([k, v]) => [k, v[v.length - 1]]));
  return { headers, multiValueHeaders };
}

/** `queryStringParameters`/`multiValueQueryStringParameters`; both absent without a query, as in AWS. */
function queryParameters(search: URLSearchParams): Pick<WebSocketEvent, 'queryStringParameters' | 'multiValueQueryStringParameters'> {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of search) (multi[k] ??= []).push(v);
  if (!Object.keys(multi).length) return {};
  return {
    queryStringParameters: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]])),
    multiValueQueryStringParameters: multi,
  };
}

/** The HTTP status of a handler result: its `statusCode`, 200 when it has none (Lambda proxy "no status" = success). */
function statusOf(result: unknown): number {
  const code = (result as { statusCode?: unknown } | null | undefined)?.statusCode;
  return typeof code === 'number' ? code : 200;
}

/** The route response body of a handler result, if any. */
function bodyOf(result: unknown): string | undefined {
  const body = (result as { body?: unknown } | null | undefined)?.body;
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/**
 * Starts the local WebSocket API. Clients connect to `url` (the bare `ws://host:port/`
 * is accepted too); handlers reach clients through `managementEndpoint`.
 */
export async function startWebSocketApi(opts: WebSocketApiOptions): Promise<LocalWebSocketApi> {
  const host = opts.host ?? '127.0.0.1';
  const stage = opts.stage ?? 'local';
  const apiId = opts.apiId ?? 'localwsapi';
  const routeSelection = opts.routeSelection ?? 'action';
  const maxMessageBytes = opts.maxMessageBytes ?? MAX_MESSAGE_BYTES;
  const onHandlerError = opts.onHandlerError ?? ((route: string, err: unknown) => console.error(`local WebSocket API: ${route} failed:`, err));
  const { handlers } = opts;
  const connections = new Map<string, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, clientTracking: false });

  const fnFor = (routeKey: string): FunctionSettings => opts.functions?.[routeKey]
    ?? { name: `ws-${routeKey.replace(/^\$/, '')}`, timeoutSeconds: INTEGRATION_TIMEOUT_SECONDS, memoryMb: 128 };

  /** Runs a handler like Lambda behind API Gateway: its own context, cut off at the function's (≤ 29 s) timeout. */
  const invoke = async (handler: WebSocketHandler, event: WebSocketEvent): Promise<unknown> => {
    const fn = fnFor(event.requestContext.routeKey);
    const timeoutMs = Math.min(fn.timeoutSeconds, INTEGRATION_TIMEOUT_SECONDS) * 1000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve(handler(event, lambdaContext(fn, Date.now() + timeoutMs))), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const context = (c: Pick<Connection, 'id' | 'connectedAt' | 'identity' | 'domainName'>, routeKey: string,
    eventType: WebSocketRequestContext['eventType'], extra: Partial<WebSocketRequestContext> = {}): WebSocketRequestContext => {
    const now = new Date();
    const requestId = gatewayId();
    return {
      routeKey,
      eventType,
      messageId: null,
      extendedRequestId: requestId,
      requestTime: clf(now),
      messageDirection: 'IN',
      stage,
      connectedAt: c.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: c.identity,
      requestId,
      domainName: c.domainName,
      connectionId: c.id,
      apiId,
      ...extra,
    };
  };

  /** `$disconnect` invocations still running (their connections have left `connections`): `stop()` waits for them. */
  const disconnecting = new Set<Promise<void>>();

  /** Calls `$disconnect` for `c` unless it already ran. */
  const disconnect = (c: Connection, code: number, reason: string): Promise<void> => {
    if (!c.disconnected) {
      const running = runDisconnect(c, code, reason);
      disconnecting.add(running);
      void running.finally(() => disconnecting.delete(running));
      c.disconnected = running;
    }
    return c.disconnected;
  };

  const runDisconnect = async (c: Connection, code: number, reason: string): Promise<void> => {
    clearTimeout(c.idleTimer);
    clearTimeout(c.maxTimer);
    clearTimeout(c.killTimer);
    connections.delete(c.id);
    // AWS sends these four headers on $disconnect (observed; values empty but Host).
    const headers = { Host: c.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' };
    const event: WebSocketEvent = {
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      requestContext: context(c, '$disconnect', 'DISCONNECT', {
        disconnectStatusCode: c.closeCode ?? code,
        disconnectReason: c.closeReason ?? (reason || CLOSE_REASONS[code] || ''),
      }),
      isBase64Encoded: false,
    };
    try {
      await invoke(handlers.disconnect, event);
    } catch (err) {
      onHandlerError('$disconnect', err);
    }
  };

  /** Closes `c` from the server side; `$disconnect` follows from the socket's close event. */
  const closeFromServer = (c: Connection, code: number, reason: string) => {
    if (c.closeCode !== undefined) return;
    c.closeCode = code;
    c.closeReason = reason;
    c.ws.close(code, reason);
    // A peer that never answers the close frame is cut off, as a gateway would.
    c.killTimer = setTimeout(() => c.ws.terminate(), 2000).unref();
  };

  const sendFrame = (c: Connection, text: string) => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(text);
  };

  const onMessage = async (c: Connection, data: RawData, isBinary: boolean) => {
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    const body = isBinary ? buf.toString('base64') : buf.toString('utf8');
    let routeKey = '$default';
    if (!isBinary) {
      try {
        const value = selectionValue(JSON.parse(body), routeSelection);
        if (value !== undefined && handlers.routes && Object.hasOwn(handlers.routes, value)) routeKey = value;
      } catch {
        // not JSON: $default
      }
    }
    const handler = routeKey === '$default' ? handlers.default : handlers.routes?.[routeKey];
    const requestContext = context(c, routeKey, 'MESSAGE', { messageId: gatewayId() });
    const fail = (message: string) => sendFrame(c, JSON.stringify({ message, connectionId: c.id, requestId: requestContext.requestId }));
    if (!handler) return fail('Forbidden');
    try {
      const result = await invoke(handler, { requestContext, body, isBase64Encoded: isBinary });
      const out = bodyOf(result);
      if (out !== undefined) sendFrame(c, out);
    } catch (err) {
      onHandlerError(routeKey, err);
      fail('Internal server error');
    }
  };

  const refuse = (socket: Socket, status: number, body: string, headers: Record<string, string> = {}) => {
    if (socket.destroyed) return;
    const reason = ({ 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests', 500: 'Internal Server Error' } as Record<number, string>)[status] ?? 'Error';
    const all = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close', ...headers };
    socket.end(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
  };

  const onUpgrade = async (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== `/${stage}` && url.pathname !== `/${stage}/` && url.pathname !== '/') {
      return refuse(socket, 403, JSON.stringify({ message: 'Forbidden' }));
    }
    const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const userAgent = req.headers['user-agent'] ?? null;
    const conn = {
      id: gatewayId(),
      connectedAt: Date.now(),
      identity: { sourceIp, userAgent },
      // Host with port, so `http://${domainName}/${stage}` reaches @connections locally.
      domainName: req.headers.host ?? `${host}:${(server.address() as AddressInfo).port}`,
    };
    const event: WebSocketEvent = {
      ...requestHeaders(req, sourceIp),
      ...queryParameters(url.searchParams),
      requestContext: context(conn, '$connect', 'CONNECT'),
      isBase64Encoded: false,
    };
    let result: unknown;
    try {
      result = await invoke(handlers.connect, event);
    } catch (err) {
      onHandlerError('$connect', err);
      return refuse(socket, 500, JSON.stringify({ message: 'Internal server error' }));
    }
    const status = statusOf(result);
    if (status < 200 || status > 299) {
      const headers = (result as { headers?: Record<string, unknown> }).headers ?? {};
      return refuse(socket, status, bodyOf(result) ?? '', Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])));
    }
    if (socket.destroyed) return; // the client gave up while $connect ran; AWS calls no $disconnect then either
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Connection = { ...conn, ws, lastActiveAt: Date.now() };
      connections.set(c.id, c);
      const armIdle = () => {
        if (opts.idleTimeoutMs === undefined) return;
        clearTimeout(c.idleTimer);
        c.idleTimer = setTimeout(() => closeFromServer(c, 1001, 'Going away'), opts.idleTimeoutMs);
      };
      if (opts.maxConnectionMs !== undefined) {
        c.maxTimer = setTimeout(() => closeFromServer(c, 1001, 'Going away'), opts.maxConnectionMs);
      }
      armIdle();
      ws.on('message', (data, isBinary) => {
        c.lastActiveAt = Date.now();
        armIdle();
        void onMessage(c, data, isBinary);
      });
      ws.on('ping', () => { c.lastActiveAt = Date.now(); armIdle(); });
      ws.on('error', (err) => {
        // ws closes with 1009 itself when a message exceeds maxPayload.
        if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && c.closeCode === undefined) {
          c.closeCode = 1009;
          c.closeReason = CLOSE_REASONS[1009];
        }
      });
      ws.on('close', (code, reason) => { void disconnect(c, code, reason.toString()); });
    });
  };

  // ---- @connections ----
  const sendJson = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'x-amzn-requestid': gatewayId() };
    if (errorType) headers['x-amzn-errortype'] = errorType;
    res.writeHead(status, headers).end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxMessageBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://local').pathname;
      const m = new RegExp(`^/${stage}/@connections/([^/]+)$`).exec(path);
      if (!m) return sendJson(res, 403, { message: 'Forbidden' }, 'ForbiddenException');
      let id: string;
      try {
        id = decodeURIComponent(m[1]);
      } catch {
        return sendJson(res, 403, { message: 'Forbidden' }, 'ForbiddenException');
      }
      const c = connections.get(id);
      const open = c && c.closeCode === undefined && c.ws.readyState === c.ws.OPEN;
      if (!c || !open) return sendJson(res, 410, { message: null }, 'GoneException');
      switch (req.method) {
        case 'POST':
          if (size > maxMessageBytes) return sendJson(res, 413, { message: 'Message too long' }, 'PayloadTooLargeException');
          c.ws.send(Buffer.concat(chunks).toString('utf8'));
          return sendJson(res, 200, undefined);
        case 'GET':
          // Wire names are lower-case (the SDK maps them to ConnectedAt, Identity, LastActiveAt).
          return sendJson(res, 200, {
            connectedAt: new Date(c.connectedAt).toISOString(),
            identity: { sourceIp: c.identity.sourceIp, userAgent: c.identity.userAgent },
            lastActiveAt: new Date(c.lastActiveAt).toISOString(),
          });
        case 'DELETE':
          closeFromServer(c, 1000, CLOSE_REASONS[1000]);
          res.writeHead(204, { 'x-amzn-requestid': gatewayId() }).end();
          return;
        default:
          return sendJson(res, 403, { message: 'Forbidden' }, 'ForbiddenException');
      }
    });
  };

  const server = createServer(onRequest);
  server.on('upgrade', (req, socket, head) => {
    onUpgrade(req, socket as Socket, head).catch((err) => {
      onHandlerError('$connect', err);
      refuse(socket as Socket, 500, JSON.stringify({ message: 'Internal server error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= (async () => {
    const open = [...connections.values()];
    for (const c of open) closeFromServer(c, 1001, 'Going away');
    // Each socket's close event starts its $disconnect (the kill timer bounds a silent peer).
    await Promise.all(open.map((c) => new Promise<void>((resolve) => {
      if (c.disconnected || c.ws.readyState === c.ws.CLOSED) return resolve();
      c.ws.once('close', () => resolve());
    })));
    await Promise.all(open.map((c) => disconnect(c, 1001, 'Going away')));
    // Also those started by clients that closed just before: they must not outlive what they talk to.
    await Promise.all([...disconnecting]);
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    wss.close();
  })();

  return {
    url: `ws://${host}:${port}/${stage}`,
    managementEndpoint: `http://${host}:${port}/${stage}`,
    port,
    connections: () => connections.size,
    stop,
  };
}
