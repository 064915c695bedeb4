/**
 * Viewer sessions and the viewer's own files over the local stack: POST /v1/viewer-sessions
 * hands out a short-lived, optionally restricted token and the viewer's signed-in link;
 * GET /v1/session tells a token what it may do; GET /viewer serves the page with the
 * security headers a log viewer needs. (The viewer in a real browser: viewer*.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { adminOfNewTenant, call, client, event, ingest, issueToken, local, paginate, uid } from './helpers.js';

const ada = { id: 'u_ada', name: 'Ada Lovelace', email: 'ada@example.com' };

describe('POST /v1/viewer-sessions', () => {
  it('returns a token that works, expires when asked, and the viewer link with the token in its fragment', async () => {
    // Arrange
    const { admin } = await adminOfNewTenant();
    const before = Date.now();

    // Act
    const r = await admin.post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read'], ttlSeconds: 600 });

    // Assess
    expect(r.status).toBe(201);
    const url = new URL(r.body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${local.api}/viewer`);
    expect(url.search).toBe('');
    expect(url.hash).toBe(`#token=${r.body.token}`);
    const ttl = Date.parse(r.body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(595_000);
    expect(ttl).toBeLessThanOrEqual(601_000);
    const session = await client(r.body.token).get('/v1/session');
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ tokenId: r.body.tokenId, scopes: ['events:read'], viewer: ada, expiresAt: r.body.expiresAt });
    expect((await client(r.body.token).get('/v1/events')).status).toBe(200);
    expect((await client(r.body.token).get('/v1/tokens')).status).toBe(403);
  });

  it('defaults to one hour and records audit_viewer.session_created by the admin token (id and name), without the token value', async () => {
    // Arrange
    const { admin, tokenId } = await adminOfNewTenant();

    // Act
    const r = await admin.post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read', 'exports:write'], restrict: { project: 'p_7' } });

    // Assess
    expect(r.status).toBe(201);
    expect(Date.parse(r.body.expiresAt) - Date.now()).toBeGreaterThan(3_590_000);
    const audit = (await paginate(admin, '/v1/events', { action: 'audit_viewer.session_created' })).items;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ resource: { type: 'audit_token', id: r.body.tokenId }, metadata: { viewer: ada, restrict: { project: 'p_7' }, scopes: ['events:read', 'exports:write'] } });
    expect(audit[0].message).toBe('Viewer session created for Ada Lovelace');
    expect(audit[0].actor).toEqual({ type: 'api_token', id: tokenId, name: (await admin.get('/v1/session')).body.name });
    expect(JSON.stringify(audit[0])).not.toContain(r.body.token.split('_')[2]);
    const listed = (await admin.get('/v1/tokens')).body.tokens.find((t: { id: string }) => t.id === r.body.tokenId);
    expect(listed).toMatchObject({ viewer: ada, expiresAt: r.body.expiresAt });
  });

  it('restricts every read of the session, and a revoked session stops working', async () => {
    // Arrange
    const { admin } = await adminOfNewTenant();
    const [inside, outside] = [uid(), uid()];
    await ingest(admin, [event({ id: inside, project: 'p_7' }), event({ id: outside, project: 'p_8' })]);
    const r = await admin.post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read'], restrict: { project: 'p_7' } });
    const viewer = client(r.body.token);

    // Act
    const listed = (await paginate(viewer, '/v1/events', {})).items.map((e: { id: string }) => e.id);
    const other = await viewer.get(`/v1/events/${outside}`);
    await admin.del(`/v1/tokens/${r.body.tokenId}`);
    const afterRevoke = await viewer.get('/v1/session');

    // Assess
    expect(listed).toEqual([inside]);
    expect(other.status).toBe(404);
    expect(afterRevoke.status).toBe(401);
  });

  it('cannot be widened past the caller\'s own restriction', async () => {
    // Arrange
    const { tenant, admin } = await adminOfNewTenant();
    const restricted = (await admin.post('/v1/tokens', { name: 'p7 admin', scopes: ['admin'], restrict: { project: 'p_7' } })).body.token;
    void tenant;

    // Act
    const widened = await client(restricted).post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read'], restrict: { project: 'p_8' } });
    const inherited = await client(restricted).post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read'] });

    // Assess
    expect(widened.status).toBe(400);
    expect(widened.body.error.details[0].path).toBe('restrict.project');
    expect(inherited.status).toBe(201);
    expect(inherited.body.restrict).toEqual({ project: 'p_7' });
  });

  it.each([
    [{ scopes: ['events:read'] }, 'viewer'],
    [{ viewer: { name: 'x' }, scopes: ['events:read'] }, 'viewer.id'],
    [{ viewer: ada, scopes: ['events:write'] }, 'scopes[0]'],
    [{ viewer: ada, scopes: ['exports:write'] }, 'scopes'],
    [{ viewer: ada, scopes: ['events:read'], ttlSeconds: 59 }, 'ttlSeconds'],
    [{ viewer: ada, scopes: ['events:read'], ttlSeconds: 43_201 }, 'ttlSeconds'],
    [{ viewer: { ...ada, email: 'nope' }, scopes: ['events:read'] }, 'viewer.email'],
    [{ viewer: ada, scopes: ['events:read'], restrict: {} }, 'restrict'],
    [{ viewer: ada, scopes: ['events:read'], extra: 1 }, 'extra'],
  ])('rejects %j naming %s', async (body, path) => {
    // Arrange
    const { admin } = await adminOfNewTenant();

    // Act
    const r = await admin.post('/v1/viewer-sessions', body);

    // Assess
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('is for admins only', async () => {
    const { tenant } = await adminOfNewTenant();
    const reader = await issueToken(tenant, ['events:read', 'exports:write']);
    expect((await client(reader.token).post('/v1/viewer-sessions', { viewer: ada, scopes: ['events:read'] })).status).toBe(403);
  });
});

describe('GET /v1/session', () => {
  it('answers any valid token with its own scopes, and 401 without one', async () => {
    // Arrange
    const { tenant } = await adminOfNewTenant();
    const writer = await issueToken(tenant, ['events:write'], 'ingest service');

    // Act
    const mine = await client(writer.token).get('/v1/session');
    const none = await call('GET', '/v1/session');

    // Assess
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ tokenId: writer.id, name: 'ingest service', scopes: ['events:write'] });
    expect(mine.body.viewer).toBeUndefined();
    expect(none.status).toBe(401);
  });
});

describe('GET /viewer', () => {
  it('serves the page with a CSP without inline scripts, no framing by default, no referrer', async () => {
    // Act
    const r = await call('GET', '/viewer');

    // Assess
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toContain('<audit-log-viewer');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ${new URL(local.websocket).origin}`);
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the script gzipped with an ETag, answers 304 when unchanged and 404 for anything else', async () => {
    // Act
    const js = await fetch(`${local.api}/viewer/audit-log-viewer.js`, { headers: { 'accept-encoding': 'gzip' } });
    const body = await js.text(); // fetch decompresses
    const again = await call('GET', '/viewer/audit-log-viewer.js', { headers: { 'if-none-match': js.headers.get('etag')! } });
    const missing = await call('GET', '/viewer/..%2F..%2Fetc%2Fpasswd');

    // Assess
    expect(js.status).toBe(200);
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(body).toContain('audit-log-viewer');
    expect(again.status).toBe(304);
    expect(missing.status).toBe(404);
  });
});
