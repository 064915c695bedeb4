/**
 * The local runner against real peers: tables on DynamoDB Local must match the
 * synthesized template, and the HTTP emulation must behave like API Gateway's
 * HTTP API (payload format 2.0) where a client or a handler can tell.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { startHttpApi, type ApiSettings, type LocalHttpApi } from '../../local/http-api.js';
import { TABLE_TYPES, localTableName } from '../../local/tables.js';
import { resourcesOfType, synthTemplate, type CfnTemplate } from '../../local/template.js';

const local = inject('local');

describe('tables from the template', () => {
  let template: CfnTemplate;
  let ddb: DynamoDBClient;
  beforeAll(async () => {
    template = await synthTemplate();
    ddb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: local.dynamodb });
  });
  afterAll(() => ddb.destroy());

  it('creates every table of the template, events and control among them', () => {
    // Assess
    const names = resourcesOfType(template, ...TABLE_TYPES).map(([id]) => localTableName(id));
    expect(names).toContain(local.tables.events);
    expect(names).toContain(local.tables.control);
  });

  it('gives each table the keys, indexes, stream and TTL of the template', async () => {
    for (const [id, resource] of resourcesOfType(template, ...TABLE_TYPES)) {
      const p = resource.Properties ?? {};
      // Act
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: localTableName(id) }));
      const { TimeToLiveDescription } = await ddb.send(new DescribeTimeToLiveCommand({ TableName: localTableName(id) }));
      // Assess
      expect(Table?.KeySchema).toEqual(p.KeySchema);
      const gsis = (Table?.GlobalSecondaryIndexes ?? []).map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
      const expected = (p.GlobalSecondaryIndexes ?? []).map((g: Record<string, unknown>) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection }));
      expect(sortBy(gsis, 'IndexName')).toEqual(sortBy(expected, 'IndexName'));
      expect(Table?.StreamSpecification?.StreamViewType).toBe(p.StreamSpecification?.StreamViewType);
      if (p.TimeToLiveSpecification?.Enabled) {
        expect(TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: p.TimeToLiveSpecification.AttributeName });
      }
    }
  });

  it('has a TTL attribute and a stream on the events table', async () => {
    const { TimeToLiveDescription } = await ddb.send(new DescribeTimeToLiveCommand({ TableName: local.tables.events }));
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: local.tables.events }));
    expect(TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
    expect(Table?.StreamSpecification?.StreamEnabled).toBe(true);
  });
});

describe('the running local API', () => {
  it('answers 401 like API Gateway, without calling the authorizer, when Authorization is missing', async () => {
    for (const [method, path] of [['GET', '/v1/events'], ['POST', '/v1/events'], ['GET', '/v1/events/abc'], ['GET', '/v1/tokens'], ['PUT', '/v1/settings']]) {
      // Act
      const res = await fetch(`${local.api}${path}`, { method, body: method === 'GET' ? undefined : '{}' });
      // Assess
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthorized' });
    }
  });

  it('answers 404 {"message":"Not Found"} for unknown paths and methods', async () => {
    const auth = { authorization: `Bearer ${local.adminToken}` };
    for (const [method, path] of [['GET', '/v1/nope'], ['GET', '/'], ['PATCH', '/v1/events'], ['GET', '/v1/events/a/b'], ['DELETE', '/v1/events']]) {
      const res = await fetch(`${local.api}${path}`, { method, headers: auth });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
  });

  it('serves the OpenAPI document without a token', async () => {
    const res = await fetch(local.openapi);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toHaveProperty('openapi');
  });

  it('accepts the admin token it printed', async () => {
    const res = await fetch(`${local.api}/v1/events?limit=1`, { headers: { authorization: `Bearer ${local.adminToken}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty('events');
  });

  it('answers CORS preflights itself', async () => {
    const res = await fetch(`${local.api}/v1/events`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeTruthy();
    expect(res.headers.get('access-control-allow-methods')).toMatch(/POST|\*/);
  });
});

/**
 * The emulation itself, with fixture handlers that echo what they receive, so the
 * event shape and the authorizer's cache are observable.
 */
describe('HTTP API emulation (fixture handlers)', () => {
  let dir: string;
  let api: LocalHttpApi;
  const settings: ApiSettings = {
    authorizer: { cacheTtlSeconds: 30, identitySource: ['$request.header.Authorization'], fn: { name: 'Authz', timeoutSeconds: 3, memoryMb: 128 } },
    cors: { allowOrigins: ['https://app.example.com'], allowMethods: ['GET'], allowHeaders: ['authorization'], exposeHeaders: [], allowCredentials: false },
    functions: { 'GET /slow': { name: 'Slow', timeoutSeconds: 1, memoryMb: 128 } },
    warnings: [],
  };
  const get = (path: string, headers: Record<string, string> = { authorization: 'Bearer good' }) =>
    fetch(`${api.url}${path}`, { headers });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'local-runner-test-'));
    writeFileSync(join(dir, 'authz.mjs'), `
      export let calls = 0;
      export const handler = async (event) => {
        calls++;
        if (event.identitySource[0] === 'Bearer boom') throw new Error('authorizer crashed');
        return { isAuthorized: event.identitySource[0] !== 'Bearer bad', context: { tenant: 't1', calls } };
      };`);
    writeFileSync(join(dir, 'echo.mjs'), `
      export const handler = async (event, context) => ({
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'x-fn': context.functionName },
        cookies: ['a=1', 'b=2'],
        body: JSON.stringify({ event, remaining: context.getRemainingTimeInMillis() }),
      });`);
    writeFileSync(join(dir, 'plain.mjs'), 'export const handler = async () => ({ hello: "world" });');
    writeFileSync(join(dir, 'boom.mjs'), 'export const handler = async () => { throw new Error("handler crashed"); };');
    writeFileSync(join(dir, 'slow.mjs'), 'export const handler = () => new Promise((r) => setTimeout(() => r({ statusCode: 200 }), 3000));');
    api = await startHttpApi({
      root: dir,
      settings,
      quiet: true,
      authorizerEntry: 'authz.mjs',
      routes: [
        { id: 'Echo', entry: 'echo.mjs', trigger: { kind: 'http', method: 'GET', path: '/items/{id}' }, needs: {} },
        { id: 'EchoPost', entry: 'echo.mjs', trigger: { kind: 'http', method: 'POST', path: '/items' }, needs: {} },
        { id: 'Literal', entry: 'plain.mjs', trigger: { kind: 'http', method: 'GET', path: '/items/special' }, needs: {} },
        { id: 'Public', entry: 'echo.mjs', trigger: { kind: 'http', method: 'GET', path: '/public', public: true }, needs: {} },
        { id: 'Boom', entry: 'boom.mjs', trigger: { kind: 'http', method: 'GET', path: '/boom' }, needs: {} },
        { id: 'Slow', entry: 'slow.mjs', trigger: { kind: 'http', method: 'GET', path: '/slow' }, needs: {} },
      ],
    });
  });
  afterAll(async () => {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds a payload format 2.0 event, joining repeated query parameters with commas', async () => {
    // Act
    const res = await fetch(`${api.url}/items/it%3A42?action=project.*&action=auth.signed_in&q=ada+love%2Blace&empty=`, {
      headers: { authorization: 'Bearer good', 'X-Custom': 'One', cookie: 'sid=abc; theme=dark', 'user-agent': 'test-agent/1.0' },
    });
    // Assess
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fn')).toBe('AuditLog-Echo');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const { event, remaining } = await json(res);
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /items/{id}',
      rawPath: '/items/it%3A42',
      rawQueryString: 'action=project.*&action=auth.signed_in&q=ada+love%2Blace&empty=',
      queryStringParameters: { action: 'project.*,auth.signed_in', q: 'ada love+lace', empty: '' },
      pathParameters: { id: 'it:42' },
      cookies: ['sid=abc', 'theme=dark'],
      isBase64Encoded: false,
      requestContext: {
        apiId: 'local',
        stage: '$default',
        routeKey: 'GET /items/{id}',
        http: { method: 'GET', path: '/items/it%3A42', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test-agent/1.0' },
        authorizer: { lambda: { tenant: 't1' } },
      },
    });
    expect(event.headers['x-custom']).toBe('One');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(typeof event.requestContext.requestId).toBe('string');
    expect(event.requestContext.time).toMatch(/^\d{2}\/\w{3}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(remaining).toBeGreaterThan(0);
  });

  it('passes text bodies as strings and binary bodies base64-encoded', async () => {
    const text = await fetch(`${api.url}/items`, { method: 'POST', headers: { authorization: 'Bearer good', 'content-type': 'application/json' }, body: '{"a":"é"}' });
    expect((await json(text)).event).toMatchObject({ body: '{"a":"é"}', isBase64Encoded: false });
    const binary = await fetch(`${api.url}/items`, { method: 'POST', headers: { authorization: 'Bearer good', 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 1, 2, 255]) });
    expect((await json(binary)).event).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
  });

  it('prefers literal path segments over parameters', async () => {
    const res = await get('/items/special');
    expect(await res.json()).toEqual({ hello: 'world' });
  });

  it('maps a result without statusCode to 200 JSON', async () => {
    const res = await get('/items/special');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('answers 401 without the identity source and 403 when the authorizer denies', async () => {
    const none = await get('/items/1', {});
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ message: 'Unauthorized' });
    const denied = await get('/items/1', { authorization: 'Bearer bad' });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toEqual({ message: 'Forbidden' });
  });

  it('caches the authorizer result per identity source', async () => {
    const first = (await json(await get('/items/1', { authorization: 'Bearer good-cache' }))).event;
    const second = (await json(await get('/items/2', { authorization: 'Bearer good-cache' }))).event;
    expect(second.requestContext.authorizer.lambda.calls).toBe(first.requestContext.authorizer.lambda.calls);
    const other = (await json(await get('/items/3', { authorization: 'Bearer good-other' }))).event;
    expect(other.requestContext.authorizer.lambda.calls).toBeGreaterThan(first.requestContext.authorizer.lambda.calls);
  });

  it('skips the authorizer on public routes', async () => {
    const res = await get('/public', {});
    expect(res.status).toBe(200);
    expect((await json(res)).event.requestContext.authorizer).toBeUndefined();
  });

  it('answers 500 {"message":"Internal Server Error"} when a handler or the authorizer throws', async () => {
    const handler = await get('/boom');
    expect(handler.status).toBe(500);
    expect(await handler.json()).toEqual({ message: 'Internal Server Error' });
    const authorizer = await get('/items/1', { authorization: 'Bearer boom' });
    expect(authorizer.status).toBe(500);
  });

  it('ends a handler at its function timeout with a 500', async () => {
    const res = await get('/slow');
    expect(res.status).toBe(500);
  });

  it('rejects bodies over 10 MB with 413', async () => {
    const res = await fetch(`${api.url}/items`, { method: 'POST', headers: { authorization: 'Bearer good' }, body: 'x'.repeat(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
  });

  it('applies the CORS configuration: preflights and response headers for allowed origins only', async () => {
    const preflight = await fetch(`${api.url}/items/1`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');
    const allowed = await get('/items/1', { authorization: 'Bearer good', origin: 'https://app.example.com' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await get('/items/1', { authorization: 'Bearer good', origin: 'https://evil.example' });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

/** The echoed body, loosely typed: the tests assert its shape. */
const json = (res: Response): Promise<any> => res.json();

function sortBy<T extends Record<string, unknown>>(items: T[], key: keyof T): T[] {
  return [...items].sort((a, b) => String(a[key]).localeCompare(String(b[key])));
}
