/**
 * Settings and retention end to end: defaults, validation, partial updates,
 * the audit event of every change, and a retention override that hides older
 * events everywhere (list, filters, get-by-id, access logs) without deleting
 * them, so raising it again brings them back.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adminOfNewTenant, ago, type Client, DAY, event, expectError, expectValidation, HOUR, type Json, listIds, paginate, poll,
  type Query, UA, uid,
} from './helpers.js';

let admin: Client;
beforeAll(async () => {
  ({ admin } = await adminOfNewTenant());
});

describe('settings', () => {
  it('start at the stack defaults for a new tenant', async () => {
    const { admin: fresh } = await adminOfNewTenant();
    const res = await fresh.get('/v1/settings');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ retentionDays: 90, recording: {}, defaultRetentionDays: 90, maxRetentionDays: 365 });
  });

  it('keep the fields a PUT omits, and return the new settings', async () => {
    // Prepare
    const { admin: t } = await adminOfNewTenant();

    // Act
    const first = await t.put('/v1/settings', { retentionDays: 30 });
    const second = await t.put('/v1/settings', { recording: { billing: false } });
    const read = await t.get('/v1/settings');

    // Assess
    expect(first.body).toEqual({ retentionDays: 30, recording: {}, defaultRetentionDays: 90, maxRetentionDays: 365 });
    expect(second.body).toMatchObject({ retentionDays: 30, recording: { billing: false } });
    expect(read.body).toEqual(second.body);
  });

  it('accept the boundaries 1 and MaxRetentionDays (365)', async () => {
    const { admin: t } = await adminOfNewTenant();
    expect((await t.put('/v1/settings', { retentionDays: 1 })).body.retentionDays).toBe(1);
    expect((await t.put('/v1/settings', { retentionDays: 365 })).body.retentionDays).toBe(365);
    expect((await t.get('/v1/settings')).body.retentionDays).toBe(365);
  });

  it.each<[string, unknown, string]>([
    ['retentionDays above MaxRetentionDays', { retentionDays: 366 }, 'retentionDays'],
    ['retentionDays of 400', { retentionDays: 400 }, 'retentionDays'],
    ['retentionDays of 0', { retentionDays: 0 }, 'retentionDays'],
    ['retentionDays negative', { retentionDays: -5 }, 'retentionDays'],
    ['retentionDays a fraction', { retentionDays: 1.5 }, 'retentionDays'],
    ['retentionDays a string', { retentionDays: '30' }, 'retentionDays'],
    ['retentionDays null', { retentionDays: null }, 'retentionDays'],
    ['recording an array', { recording: [] }, 'recording'],
    ['recording a string', { recording: 'all' }, 'recording'],
    ['a recording switch not a boolean', { recording: { project: 'no' } }, 'recording.project'],
    ['an unknown field', { retentionDays: 30, maxRetentionDays: 1000 }, 'maxRetentionDays'],
  ])('reject %s and change nothing', async (_name, body, path) => {
    // Prepare
    const before = (await admin.get('/v1/settings')).body;

    // Act
    const res = await admin.put('/v1/settings', body);

    // Assess
    expect(expectValidation(res)).toEqual([path]);
    expect((await admin.get('/v1/settings')).body).toEqual(before);
  });

  it('reject a recording switch for a category that is not a lowercase identifier', async () => {
    const res = await admin.put('/v1/settings', { recording: { 'Not A Category': false } });
    const paths = expectValidation(res);
    expect(paths).toHaveLength(1);
    expect(paths[0]).toMatch(/^recording/);
  });

  it('reject a body that is not a JSON object', async () => {
    expectError(await admin.call('PUT', '/v1/settings', { raw: 'retentionDays=5', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
    expectError(await admin.call('PUT', '/v1/settings', { raw: '{"retentionDays":5}', headers: { 'content-type': 'text/plain' } }), 400, 'unsupported_media_type');
  });

  it.each<[string, unknown]>([['an empty array', []], ['an array', [1]], ['a string', 'x'], ['null', null]])('reject %s as the body, on (body)', async (_name, body) => {
    expect(expectValidation(await admin.put('/v1/settings', body))).toEqual(['(body)']);
  });

  it('write an audit_settings.updated event with before, after and the changed fields', async () => {
    // Prepare
    const { admin: t, tokenId } = await adminOfNewTenant();

    // Act
    await t.put('/v1/settings', { retentionDays: 45 });

    // Assess
    const [audit, ...rest] = (await paginate(t, '/v1/events', { action: 'audit_settings.updated' })).items;
    expect(rest).toEqual([]);
    expect(audit).toMatchObject({
      action: 'audit_settings.updated',
      category: 'audit_settings',
      actor: { type: 'api_token', id: tokenId },
      changes: { before: { retentionDays: 90, recording: {} }, after: { retentionDays: 45, recording: {} }, fields: ['retentionDays'] },
    });
  });

  it('audit a change even when audit_settings recording is switched off', async () => {
    const { admin: t } = await adminOfNewTenant();
    await t.put('/v1/settings', { recording: { audit_settings: false } });
    await t.put('/v1/settings', { retentionDays: 60 });
    const audits = (await paginate(t, '/v1/events', { action: 'audit_settings.updated' })).items;
    expect(audits).toHaveLength(2);
    expect(audits[0].changes.fields).toEqual(['retentionDays']);
    expect(audits[1].changes.fields).toEqual(['recording']);
  });
});

describe('retention override', () => {
  const actor = { type: 'user', id: uid('u_old'), name: 'Olga Oldman', email: 'olga@example.com' };
  const old = event({
    id: uid('old'), occurredAt: ago(10 * DAY), action: 'report.exported', actor,
    resource: { type: 'report', id: uid('r_old'), name: 'Quarterly Archive' }, project: 'p_ret', severity: 'warning',
  });
  const oldSignIn = event({ id: uid('old-signin'), occurredAt: ago(10 * DAY + HOUR), action: 'auth.signed_in', actor, ip: '192.0.2.10', userAgent: UA.firefoxUbuntu });
  const recent = event({ id: uid('recent'), occurredAt: ago(HOUR), action: 'report.exported', actor, resource: old.resource, project: 'p_ret', severity: 'warning' });
  const recentSignIn = event({ id: uid('recent-signin'), occurredAt: ago(2 * HOUR), action: 'auth.signed_in', actor, ip: '192.0.2.20', userAgent: UA.firefoxUbuntu });

  /** Queries through which the old event must appear or disappear. */
  const QUERIES: [string, Query][] = [
    ['no filter', {}],
    ['actor', { actor: actor.id }],
    ['actorEmail', { actorEmail: actor.email }],
    ['resourceId', { resourceId: old.resource.id }],
    ['resourceType', { resourceType: 'report' }],
    ['project', { project: 'p_ret' }],
    ['action', { action: 'report.exported' }],
    ['action prefix', { action: 'report.*' }],
    ['category', { category: 'report' }],
    ['severity', { severity: 'warning' }],
    ['q', { q: 'quarterly archive' }],
    ['range=30d', { range: '30d' }],
    ['from 20 days ago', { from: ago(20 * DAY) }],
    ['from and to around it', { from: ago(11 * DAY), to: ago(9 * DAY) }],
  ];
  let storedOld: Json;

  beforeAll(async () => {
    const res = await admin.post('/v1/events', { events: [old, oldSignIn, recent, recentSignIn] });
    expect(res.status, res.text).toBe(201);
  });

  /** Asserts the old events are (or are not) visible through every query, get-by-id and access logs. */
  const expectOldVisible = async (visible: boolean) => {
    for (const [name, query] of QUERIES) {
      const ids = await listIds(admin, query);
      expect(ids.includes(old.id), `${name}: old event ${visible ? 'listed' : 'hidden'}`).toBe(visible);
      const recentExpected = !(name === 'from and to around it');
      expect(ids.includes(recent.id), `${name}: recent event listed`).toBe(recentExpected);
    }
    const get = await admin.get(`/v1/events/${old.id}`);
    if (visible) expect(get.status).toBe(200);
    else expectError(get, 404, 'not_found');
    expect((await admin.get(`/v1/events/${recent.id}`)).status).toBe(200);
    const groups = (await paginate(admin, '/v1/access-logs', { actor: actor.id }, 'groups')).items;
    expect(groups.some((g) => g.ip === '192.0.2.10'), `old sign-in ${visible ? 'shown' : 'hidden'} in access logs`).toBe(visible);
    expect(groups.some((g) => g.ip === '192.0.2.20'), 'recent sign-in shown in access logs').toBe(true);
  };

  it('lists and returns events of 10 days ago under the default of 90 days', async () => {
    await expectOldVisible(true);
    storedOld = (await admin.get(`/v1/events/${old.id}`)).body;
  });

  it('hides them everywhere once retentionDays is 5', async () => {
    // Act
    const put = await admin.put('/v1/settings', { retentionDays: 5 });
    await poll(() => admin.get(`/v1/events/${old.id}`), (r) => r.status === 404, 5_000);

    // Assess
    expect(put.status, put.text).toBe(200);
    expect(put.body.retentionDays).toBe(5);
    await expectOldVisible(false);
  });

  it('rejects new events older than the shortened retention, accepts newer ones', async () => {
    // Act
    const tooOld = await admin.post('/v1/events', event({ occurredAt: ago(6 * DAY) }));
    const inside = event({ occurredAt: ago(4 * DAY) });
    const ok = await admin.post('/v1/events', inside);

    // Assess
    const details = expectError(tooOld, 400, 'validation_error');
    expect(details.map((d) => d.path)).toEqual(['occurredAt']);
    expect(details[0].message).toMatch(/retention/);
    expect(ok.status, ok.text).toBe(201);
  });

  it('shows them again, unchanged, once retentionDays is back to 90 (they were kept, TTL from 90 days)', async () => {
    // Act
    await admin.put('/v1/settings', { retentionDays: 90 });
    await poll(() => admin.get(`/v1/events/${old.id}`), (r) => r.status === 200, 5_000);

    // Assess
    await expectOldVisible(true);
    expect((await admin.get(`/v1/events/${old.id}`)).body).toEqual(storedOld);
  });

  it('accepts events as old as a longer retention allows', async () => {
    // Prepare
    const { admin: t } = await adminOfNewTenant();
    const ancient = event({ occurredAt: ago(200 * DAY) });
    const before = await t.post('/v1/events', ancient);

    // Act
    await t.put('/v1/settings', { retentionDays: 365 });
    const after = await t.post('/v1/events', ancient);

    // Assess
    expect(expectValidation(before)).toEqual(['occurredAt']);
    expect(after.status, after.text).toBe(201);
    expect((await t.get(`/v1/events/${ancient.id}`)).status).toBe(200);
    expect(await listIds(t, { from: ago(201 * DAY), to: ago(199 * DAY) })).toEqual([ancient.id]);

    // Act: back to the default hides it again
    await t.put('/v1/settings', { retentionDays: 90 });
    expectError(await t.get(`/v1/events/${ancient.id}`), 404, 'not_found');
    expect(await listIds(t, { from: ago(201 * DAY), to: ago(199 * DAY) })).toEqual([]);
  });
});
