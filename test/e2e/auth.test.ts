/**
 * Authentication and authorization end to end: missing, malformed, unknown,
 * expired and revoked tokens (401), scopes per route (403, admin implies all),
 * the token API (values shown once, never listed) and the audit events that
 * token administration writes into the tenant's own log.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, call, client, type Client, event, expectError, expectValidation, issueToken, type Json, paginate, poll,
  type Scope,
} from './helpers.js';

let tenant: string;
let admin: Client;
let adminTokenId: string;

beforeAll(async () => {
  ({ tenant, admin, tokenId: adminTokenId } = await adminOfNewTenant());
});

/** Every authenticated route, with the scope it needs and a body that is valid for it. */
const ROUTES: { method: string; path: string; scope: Scope; body?: () => unknown }[] = [
  { method: 'POST', path: '/v1/events', scope: 'events:write', body: () => event() },
  { method: 'GET', path: '/v1/events', scope: 'events:read' },
  { method: 'GET', path: '/v1/events/some-id', scope: 'events:read' },
  { method: 'GET', path: '/v1/access-logs', scope: 'events:read' },
  { method: 'POST', path: '/v1/tokens', scope: 'admin', body: () => ({ name: 'made in the scope matrix', scopes: ['events:read'] }) },
  { method: 'GET', path: '/v1/tokens', scope: 'admin' },
  { method: 'DELETE', path: '/v1/tokens/01jd0000000000000000000000', scope: 'admin' },
  { method: 'GET', path: '/v1/settings', scope: 'admin' },
  { method: 'PUT', path: '/v1/settings', scope: 'admin', body: () => ({}) },
];
const label = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const send = (r: (typeof ROUTES)[number], headers: Record<string, string>) =>
  call(r.method, r.path, { headers: { ...headers, ...(r.body ? { 'content-type': 'application/json' } : {}) }, raw: r.body ? JSON.stringify(r.body()) : undefined });

/** A syntactically valid token that was never issued. */
const UNKNOWN = `alog_01jd${'0'.repeat(22)}_${'A'.repeat(43)}`;

describe('401 without a valid token', () => {
  it.each(ROUTES.map((r) => [label(r), r] as const))('%s without Authorization: 401', async (_l, route) => {
    const res = await send(route, {});
    expect(res.status).toBe(401);
  });

  it.each([
    ['garbage', 'Bearer garbage'],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['the scheme alone', 'Bearer'],
    ['a token without the scheme', `${UNKNOWN}`],
    ['a well-formed unknown token', `Bearer ${UNKNOWN}`],
    ['two tokens', `Bearer ${UNKNOWN} ${UNKNOWN}`],
  ])('answers 401 unauthorized in the contract shape for %s, on every route', async (_name, authorization) => {
    for (const route of ROUTES) {
      const res = await send(route, { authorization });
      expect(res.status, label(route)).toBe(401);
      expectError(res, 401, 'unauthorized');
    }
  });

  it('answers 401 for a real token id with a wrong secret', async () => {
    // Prepare
    const { token } = await issueToken(tenant, ['admin']);
    const forged = token.replace(/_[^_]+$/, `_${'B'.repeat(43)}`);

    // Act + Assess
    expectError(await client(forged).get('/v1/events'), 401, 'unauthorized');
    expect((await client(token).get('/v1/events')).status).toBe(200);
  });

  it('does not reveal the token in the error', async () => {
    const res = await client(UNKNOWN).get('/v1/events');
    expect(res.text).not.toContain(UNKNOWN);
  });
});

describe('scopes', () => {
  const SCOPE_SETS: Scope[][] = [['events:write'], ['events:read'], ['exports:write'], ['events:read', 'events:write'], ['admin']];
  const tokens = new Map<string, string>();
  beforeAll(async () => {
    for (const scopes of SCOPE_SETS) tokens.set(scopes.join('+'), (await issueToken(tenant, scopes, scopes.join('+'))).token);
  });

  for (const scopes of SCOPE_SETS) {
    const name = scopes.join('+');
    it.each(ROUTES.map((r) => [label(r), r] as const))(`${name} token: %s`, async (_l, route) => {
      // Act
      const res = await send(route, { authorization: `Bearer ${tokens.get(name)}` });

      // Assess
      const allowed = scopes.includes('admin') || scopes.includes(route.scope);
      if (allowed) {
        expect([200, 201, 404], res.text).toContain(res.status);
      } else {
        expectError(res, 403, 'forbidden');
      }
    });
  }

  it('forbids before validating: a bad body to a forbidden route is still 403', async () => {
    const reader = client(tokens.get('events:read')!);
    expectError(await reader.post('/v1/events', { nonsense: true }), 403, 'forbidden');
    expectError(await reader.call('POST', '/v1/events', { raw: '{', headers: { 'content-type': 'application/json' } }), 403, 'forbidden');
  });

  it('admin implies every scope: ingest, read, access logs', async () => {
    const e = event();
    expect((await admin.post('/v1/events', e)).status).toBe(201);
    expect((await admin.get(`/v1/events/${e.id}`)).status).toBe(200);
    expect((await admin.get('/v1/access-logs')).status).toBe(200);
  });
});

describe('the token API', () => {
  let created: Json;
  beforeAll(async () => {
    const res = await admin.post('/v1/tokens', { name: 'CI reader', scopes: ['events:read'] });
    expect(res.status, res.text).toBe(201);
    created = res.body;
  });

  it('returns the token value once, with id, name, scopes and createdAt', () => {
    expect(created).toMatchObject({ id: expect.any(String), name: 'CI reader', scopes: ['events:read'], createdAt: expect.any(String) });
    expect(created.token).toMatch(new RegExp(`^alog_${created.id}_[A-Za-z0-9_-]{43}$`));
    expect(created).not.toHaveProperty('hash');
    expect(created).not.toHaveProperty('revokedAt');
  });

  it('issues a token that works with exactly its scopes', async () => {
    const reader = client(created.token);
    expect((await reader.get('/v1/events')).status).toBe(200);
    expectError(await reader.post('/v1/events', event()), 403, 'forbidden');
    expectError(await reader.get('/v1/tokens'), 403, 'forbidden');
  });

  it('lists tokens newest first without their values', async () => {
    // Act
    const res = await admin.get('/v1/tokens');

    // Assess
    expect(res.status).toBe(200);
    const secret = created.token.split('_').pop();
    expect(res.text).not.toContain(secret);
    expect(res.text).not.toContain(created.token);
    for (const t of res.body.tokens) {
      expect(t).not.toHaveProperty('token');
      expect(t).not.toHaveProperty('hash');
      expect(t).not.toHaveProperty('secret');
    }
    const listed = res.body.tokens.find((t: Json) => t.id === created.id);
    expect(listed).toMatchObject({ id: created.id, name: 'CI reader', scopes: ['events:read'], createdAt: created.createdAt });
    const times = res.body.tokens.map((t: Json) => t.createdAt);
    expect(times).toEqual([...times].sort().reverse());
  });

  it.each<[string, unknown, string]>([
    ['name missing', { scopes: ['admin'] }, 'name'],
    ['name empty', { name: '', scopes: ['admin'] }, 'name'],
    ['name of 129 characters', { name: 'n'.repeat(129), scopes: ['admin'] }, 'name'],
    ['scopes missing', { name: 'x' }, 'scopes'],
    ['scopes empty', { name: 'x', scopes: [] }, 'scopes'],
    ['scopes a string', { name: 'x', scopes: 'admin' }, 'scopes'],
    ['an unknown scope', { name: 'x', scopes: ['events:read', 'root'] }, 'scopes[1]'],
    ['expiresAt in the past', { name: 'x', scopes: ['admin'], expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'expiresAt'],
    ['expiresAt not a timestamp', { name: 'x', scopes: ['admin'], expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown field', { name: 'x', scopes: ['admin'], tenant: 'other' }, 'tenant'],
  ])('rejects a token with %s', async (_name, body, path) => {
    const before = (await admin.get('/v1/tokens')).body.tokens.length;
    expect(expectValidation(await admin.post('/v1/tokens', body))).toEqual([path]);
    expect((await admin.get('/v1/tokens')).body.tokens.length).toBe(before);
  });

  it('rejects a token body that is not JSON', async () => {
    expectError(await admin.call('POST', '/v1/tokens', { raw: 'name=x', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    expectError(await admin.call('POST', '/v1/tokens', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'unsupported_media_type');
  });

  it('answers 404 when revoking an unknown or malformed token id', async () => {
    expectError(await admin.del('/v1/tokens/01jd9999999999999999999999'), 404, 'not_found');
    expectError(await admin.del('/v1/tokens/not-a-token-id'), 404, 'not_found');
  });
});

describe('revocation and expiry', () => {
  it('a revoked token gets 401 within seconds; revoking again changes nothing', async () => {
    // Prepare
    const made = (await admin.post('/v1/tokens', { name: 'to revoke', scopes: ['events:read'] })).body;
    const user = client(made.token);
    expect((await user.get('/v1/events')).status).toBe(200);

    // Act
    const res = await admin.del(`/v1/tokens/${made.id}`);
    const after = await poll(() => user.get('/v1/events'), (r) => r.status === 401, 10_000);

    // Assess
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: made.id, name: 'to revoke', revokedAt: expect.any(String) });
    expect(res.text).not.toContain(made.token);
    expectError(after, 401, 'unauthorized');
    const again = await admin.del(`/v1/tokens/${made.id}`);
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(res.body.revokedAt);
    const listed = (await admin.get('/v1/tokens')).body.tokens.find((t: Json) => t.id === made.id);
    expect(listed.revokedAt).toBe(res.body.revokedAt);
    const audits = (await paginate(admin, '/v1/events', { action: 'audit_token.revoked', resourceId: made.id })).items;
    expect(audits, 'revoking twice is audited once').toHaveLength(1);
  });

  it('a revoked admin token can no longer manage tokens', async () => {
    const made = (await admin.post('/v1/tokens', { name: 'admin to revoke', scopes: ['admin'] })).body;
    await admin.del(`/v1/tokens/${made.id}`);
    const res = await poll(() => client(made.token).get('/v1/tokens'), (r) => r.status === 401, 10_000);
    expectError(res, 401, 'unauthorized');
    expectError(await client(made.token).post('/v1/tokens', { name: 'sneaky', scopes: ['admin'] }), 401, 'unauthorized');
  });

  it('an expired token gets 401', async () => {
    // Prepare
    const expiresAt = new Date(Date.now() + 2_000).toISOString();
    const made = await admin.post('/v1/tokens', { name: 'short-lived', scopes: ['events:read'], expiresAt });
    expect(made.status, made.text).toBe(201);
    expect(made.body.expiresAt).toBe(expiresAt);
    const user = client(made.body.token);
    expect((await user.get('/v1/events')).status).toBe(200);

    // Act
    const res = await poll(() => user.get('/v1/events'), (r) => r.status === 401, 10_000);

    // Assess
    expectError(res, 401, 'unauthorized');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));
    expect((await admin.get('/v1/tokens')).body.tokens.find((t: Json) => t.id === made.body.id).expiresAt).toBe(expiresAt);
  });
});

describe('audit events of token administration', () => {
  it('records audit_token.created and audit_token.revoked in the tenant log, without the token value', async () => {
    // Prepare + Act
    const made = (await admin.post('/v1/tokens', { name: 'audited', scopes: ['events:write', 'events:read'] })).body;
    await admin.del(`/v1/tokens/${made.id}`);

    // Assess
    const created = (await paginate(admin, '/v1/events', { action: 'audit_token.created', resourceId: made.id })).items;
    const revoked = (await paginate(admin, '/v1/events', { action: 'audit_token.revoked', resourceId: made.id })).items;
    expect(created).toHaveLength(1);
    expect(revoked).toHaveLength(1);
    for (const [e, action] of [[created[0], 'audit_token.created'], [revoked[0], 'audit_token.revoked']] as const) {
      expect(e).toMatchObject({
        action,
        category: 'audit_token',
        actor: { type: 'api_token', id: adminTokenId },
        resource: { type: 'audit_token', id: made.id, name: 'audited' },
        result: 'success',
      });
      expect(e.metadata.scopes).toEqual(['events:write', 'events:read']);
      expect(JSON.stringify(e)).not.toContain(made.token.split('_').pop());
    }
    expect(Date.parse(revoked[0].occurredAt)).toBeGreaterThanOrEqual(Date.parse(created[0].occurredAt));
    const byCategory = (await paginate(admin, '/v1/events', { category: 'audit_token', resourceId: made.id })).items;
    expect(byCategory.map((e) => e.action)).toEqual(['audit_token.revoked', 'audit_token.created']);
  });

  it('audits token administration even when the audit_token category is switched off', async () => {
    // Prepare
    await admin.put('/v1/settings', { recording: { audit_token: false } });

    // Act
    const made = (await admin.post('/v1/tokens', { name: 'audited anyway', scopes: ['events:read'] })).body;

    // Assess
    expect((await paginate(admin, '/v1/events', { action: 'audit_token.created', resourceId: made.id })).items).toHaveLength(1);
    await admin.put('/v1/settings', { recording: {} });
  });
});

describe('the OpenAPI document', () => {
  it('is public and describes the v1 routes', async () => {
    for (const headers of [{}, { authorization: 'Bearer garbage' }] as Record<string, string>[]) {
      const res = await call('GET', '/v1/openapi.json', { headers });
      expect(res.status).toBe(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/events/{id}', '/v1/access-logs', '/v1/tokens', '/v1/settings']));
    }
  });
});
