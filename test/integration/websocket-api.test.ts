/**
 * The local WebSocket API peer over the network: a real `ws` client on one side,
 * plain handler functions on the other, and the unchanged
 * `@aws-sdk/client-apigatewaymanagementapi` on `@connections`.
 */
import {
  ApiGatewayManagementApiClient, DeleteConnectionCommand, GetConnectionCommand, GoneException, PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import {
  startWebSocketApi, type LocalWebSocketApi, type WebSocketApiOptions, type WebSocketEvent, type WebSocketHandlers,
} from '../../local/websocket-api.js';

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value. */
async function poll<T>(read: () => T, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every event each route received, in order. */
type Calls = Record<string, WebSocketEvent[]>;

const running: LocalWebSocketApi[] = [];
const clients: WebSocket[] = [];
afterEach(async () => {
  clients.splice(0).forEach((ws) => ws.terminate());
  await Promise.all(running.splice(0).map((api) => api.stop()));
});

/** Starts an API whose handlers record their events; `overrides` replace the recording defaults. */
async function start(overrides: Partial<WebSocketHandlers> = {}, opts: Partial<WebSocketApiOptions> = {}) {
  const calls: Calls = {};
  const record = (route: string) => (event: WebSocketEvent) => { (calls[route] ??= []).push(event); };
  const handlers: WebSocketHandlers = {
    connect: async (e) => { record('$connect')(e); return { statusCode: 200 }; },
    disconnect: async (e) => { record('$disconnect')(e); return { statusCode: 200 }; },
    ...overrides,
  };
  const api = await startWebSocketApi({ handlers, onHandlerError: () => {}, ...opts });
  running.push(api);
  const management = new ApiGatewayManagementApiClient({ endpoint: api.managementEndpoint, ...LOCAL_AWS, maxAttempts: 1 });
  return { api, calls, management };
}

/** Opens a client; resolves once open with a queue of received text frames. */
async function open(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  clients.push(ws);
  const frames: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  /** The next frame not yet taken. */
  let taken = 0;
  const next = async () => {
    const got = await poll(() => frames.length, (n) => n > taken);
    if (got <= taken) throw new Error('no frame arrived');
    return frames[taken++];
  };
  return { ws, frames, closed, next };
}

/** A handshake the server refuses: the HTTP status and body the client saw. */
function refused(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    clients.push(ws);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => {});
  });
}

describe('$connect', () => {
  it('gets API Gateway\'s CONNECT event before the upgrade, with headers, query and request context', async () => {
    // Prepare
    const { api, calls } = await start();

    // Act
    const { ws } = await open(`${api.url}?ticket=abc&x=1&x=2`, { 'User-Agent': 'test-agent/1.0' });

    // Assess
    const [event] = calls.$connect;
    expect(event.isBase64Encoded).toBe(false);
    expect(event.queryStringParameters).toEqual({ ticket: 'abc', x: '2' });
    expect(event.multiValueQueryStringParameters).toEqual({ ticket: ['abc'], x: ['1', '2'] });
    expect(event.headers?.['User-Agent']).toBe('test-agent/1.0');
    expect(event.headers?.['Sec-WebSocket-Key']).toMatch(/==$/);
    expect(event.headers?.['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.multiValueHeaders?.Host).toEqual([`127.0.0.1:${api.port}`]);
    expect(event.body).toBeUndefined();
    const rc = event.requestContext;
    expect(rc).toMatchObject({
      routeKey: '$connect', eventType: 'CONNECT', messageId: null, messageDirection: 'IN', stage: 'local', apiId: 'localwsapi',
      domainName: `127.0.0.1:${api.port}`, identity: { sourceIp: '127.0.0.1', userAgent: 'test-agent/1.0' },
    });
    expect(rc.connectionId).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(rc.requestId).toBe(rc.extendedRequestId);
    expect(rc.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(rc.requestTimeEpoch).toBeGreaterThanOrEqual(rc.connectedAt);
    expect(api.connections()).toBe(1);
    ws.close();
  });

  it('refuses the upgrade with the handler\'s status and body; no $disconnect follows', async () => {
    // Prepare
    const { api, calls } = await start({
      connect: async () => ({ statusCode: 401, body: JSON.stringify({ error: { code: 'unauthorized' } }) }),
    });

    // Act
    const res = await refused(`${api.url}?ticket=forged`);

    // Assess
    expect(res).toEqual({ status: 401, body: '{"error":{"code":"unauthorized"}}' });
    await sleep(100);
    expect(calls.$disconnect).toBeUndefined();
    expect(api.connections()).toBe(0);
  });

  it('refuses with 500 when $connect throws', async () => {
    const { api } = await start({ connect: async () => { throw new Error('boom'); } });

    const res = await refused(api.url);

    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ message: 'Internal server error' });
  });
});

describe('messages', () => {
  it('routes by body.action, else to $default, and sends route responses back as frames', async () => {
    // Prepare
    const { api, calls } = await start({
      routes: {
        echo: async (e) => { (calls.echo ??= []).push(e); return { statusCode: 200, body: e.body }; },
        silent: async (e) => { (calls.silent ??= []).push(e); return { statusCode: 200 }; },
      },
      default: async (e) => { (calls.$default ??= []).push(e); return { statusCode: 200, body: JSON.stringify({ type: 'default' }) }; },
    });
    const { ws, next, frames } = await open(api.url);
    const connectionId = calls.$connect[0].requestContext.connectionId;

    // Act
    ws.send(JSON.stringify({ action: 'echo', n: 1 }));
    const echoed = await next();
    ws.send('not json');
    const fromDefault1 = await next();
    ws.send(JSON.stringify({ action: 'nope' }));
    const fromDefault2 = await next();
    ws.send(JSON.stringify({ action: 'silent' }));
    await poll(() => calls.silent?.length ?? 0, (n) => n === 1);
    await sleep(50);

    // Assess
    expect(JSON.parse(echoed)).toEqual({ action: 'echo', n: 1 });
    expect(JSON.parse(fromDefault1)).toEqual({ type: 'default' });
    expect(JSON.parse(fromDefault2)).toEqual({ type: 'default' });
    expect(frames).toHaveLength(3); // a result without a body sends nothing
    const [echo] = calls.echo;
    expect(echo.body).toBe('{"action":"echo","n":1}');
    expect(echo.isBase64Encoded).toBe(false);
    expect(echo.headers).toBeUndefined();
    expect(echo.requestContext).toMatchObject({ routeKey: 'echo', eventType: 'MESSAGE', connectionId, messageDirection: 'IN' });
    expect(echo.requestContext.messageId).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(calls.$default.map((e) => [e.requestContext.routeKey, e.body])).toEqual([['$default', 'not json'], ['$default', '{"action":"nope"}']]);
  });

  it('answers Forbidden without $default and Internal server error when a route throws; the connection stays open', async () => {
    const { api, calls } = await start({ routes: { bad: async () => { throw new Error('boom'); } } });
    const { ws, next } = await open(api.url);
    const connectionId = calls.$connect[0].requestContext.connectionId;

    ws.send(JSON.stringify({ action: 'unknown' }));
    const forbidden = JSON.parse(await next());
    ws.send(JSON.stringify({ action: 'bad' }));
    const failed = JSON.parse(await next());

    expect(forbidden).toMatchObject({ message: 'Forbidden', connectionId });
    expect(failed).toMatchObject({ message: 'Internal server error', connectionId });
    expect(typeof failed.requestId).toBe('string');
    expect(ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes with 1009 on a message over maxMessageBytes, and $disconnect says so', async () => {
    const { api, calls } = await start({ default: async () => ({ statusCode: 200 }) }, { maxMessageBytes: 1024 });
    const { ws, closed } = await open(api.url);

    ws.send('x'.repeat(1025));
    const { code } = await closed;

    expect(code).toBe(1009);
    await poll(() => calls.$disconnect?.length ?? 0, (n) => n > 0);
    expect(calls.$disconnect[0].requestContext.disconnectStatusCode).toBe(1009);
  });

  it('lets a route handler post to its own connection through the management API', async () => {
    let endpoint = '';
    const { api } = await start({
      routes: {
        hello: async (e) => {
          const client = new ApiGatewayManagementApiClient({ endpoint, ...LOCAL_AWS });
          await client.send(new PostToConnectionCommand({ ConnectionId: e.requestContext.connectionId, Data: '{"type":"pushed"}' }));
          return { statusCode: 200, body: '{"type":"answered"}' };
        },
      },
    });
    endpoint = api.managementEndpoint;
    const { ws, next } = await open(api.url);

    ws.send('{"action":"hello"}');

    expect([await next(), await next()]).toEqual(['{"type":"pushed"}', '{"type":"answered"}']);
  });
});

describe('$disconnect', () => {
  it('runs exactly once when the client closes, with its close code', async () => {
    const { api, calls } = await start();
    const { ws } = await open(api.url);
    const connectionId = calls.$connect[0].requestContext.connectionId;

    ws.close(1000, 'bye');
    await poll(() => calls.$disconnect?.length ?? 0, (n) => n > 0);
    await sleep(200);

    expect(calls.$disconnect).toHaveLength(1);
    const [event] = calls.$disconnect;
    expect(event.requestContext).toMatchObject({
      routeKey: '$disconnect', eventType: 'DISCONNECT', connectionId, disconnectStatusCode: 1000, disconnectReason: 'bye',
    });
    expect(event.headers).toEqual({ Host: `127.0.0.1:${api.port}`, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
    expect(api.connections()).toBe(0);
  });

  it('runs exactly once on an idle timeout (1001 Going away)', async () => {
    const { api, calls } = await start({}, { idleTimeoutMs: 300 });
    const { ws, closed } = await open(api.url);
    ws.send('keeps it alive once');

    const started = Date.now();
    const { code } = await closed;
    await sleep(200);

    expect(code).toBe(1001);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(calls.$disconnect).toHaveLength(1);
    expect(calls.$disconnect[0].requestContext).toMatchObject({ disconnectStatusCode: 1001, disconnectReason: 'Going away' });
  });

  it('runs for every open connection on stop()', async () => {
    const { api, calls } = await start();
    await open(api.url);
    await open(api.url);

    await api.stop();

    expect(calls.$disconnect).toHaveLength(2);
  });

  it('stop() also waits for a $disconnect a client started just before (it must not outlive what it talks to)', async () => {
    // Arrange: a slow $disconnect, and a client that closes right before the stop
    let finished = 0;
    const { api } = await start({ disconnect: async () => { await new Promise((r) => setTimeout(r, 300)); finished++; return { statusCode: 200 }; } });
    const c = await open(api.url);
    c.ws.close();
    await c.closed;
    await poll(() => api.connections(), (n) => n === 0);

    // Act
    await api.stop();

    // Assess
    expect(finished).toBe(1);
  });
});

describe('@connections with the AWS SDK', () => {
  it('POST sends one text frame, GET describes the connection, DELETE closes it and runs $disconnect once', async () => {
    // Prepare
    const { api, calls, management } = await start();
    const { next, closed } = await open(api.url, { 'User-Agent': 'sdk-test' });
    const ConnectionId = calls.$connect[0].requestContext.connectionId;
    const before = Date.now();

    // Act
    await management.send(new PostToConnectionCommand({ ConnectionId, Data: JSON.stringify({ type: 'event', n: 1 }) }));
    const frame = await next();
    const info = await management.send(new GetConnectionCommand({ ConnectionId }));
    const deleted = await management.send(new DeleteConnectionCommand({ ConnectionId }));
    const { code } = await closed;
    await poll(() => calls.$disconnect?.length ?? 0, (n) => n > 0);
    await sleep(200);

    // Assess
    expect(JSON.parse(frame)).toEqual({ type: 'event', n: 1 });
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(info.ConnectedAt!.getTime()).toBe(calls.$connect[0].requestContext.connectedAt);
    expect(info.LastActiveAt!.getTime()).toBeLessThanOrEqual(before);
    expect(info.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'sdk-test' });
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(code).toBe(1000);
    expect(calls.$disconnect).toHaveLength(1);
    expect(calls.$disconnect[0].requestContext).toMatchObject({ disconnectStatusCode: 1000, disconnectReason: 'Connection Closed Normally' });
  });

  it('raises GoneException (410) for unknown and closed connections', async () => {
    const { api, calls, management } = await start();
    const { ws } = await open(api.url);
    const ConnectionId = calls.$connect[0].requestContext.connectionId;
    ws.close();
    await poll(() => api.connections(), (n) => n === 0);

    const errors = await Promise.all([
      management.send(new PostToConnectionCommand({ ConnectionId, Data: 'x' })),
      management.send(new GetConnectionCommand({ ConnectionId: 'unknownId00000=' })),
      management.send(new DeleteConnectionCommand({ ConnectionId })),
    ].map((p) => p.then(() => undefined, (err: unknown) => err)));

    for (const err of errors) {
      expect(err).toBeInstanceOf(GoneException);
      expect((err as GoneException).$metadata.httpStatusCode).toBe(410);
    }
  });

  it('answers 413 PayloadTooLargeException over maxMessageBytes and 403 off the @connections path', async () => {
    const { api, calls, management } = await start({}, { maxMessageBytes: 100 });
    await open(api.url);
    const ConnectionId = calls.$connect[0].requestContext.connectionId;

    const tooLarge = await management.send(new PostToConnectionCommand({ ConnectionId, Data: 'x'.repeat(101) })).catch((e: Error) => e);
    const other = await fetch(`http://127.0.0.1:${api.port}/other/@connections/${ConnectionId}`);

    expect((tooLarge as Error).name).toBe('PayloadTooLargeException');
    expect(other.status).toBe(403);
    expect(other.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });
});
